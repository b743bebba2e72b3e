import { ApiProperty } from '@nestjs/swagger';

/** What a partner system needs to reach Kafka, besides the private key and certificate only it holds. */
export const PARTNER_CERTIFICATE_PLACEHOLDER = '<your certificate: the PEM that POST /v1/participants/{id}/certificates returned>';
export const PARTNER_KEY_PLACEHOLDER = '<your private key: the PEM your CSR was made from; it never leaves your system>';

class KafkaJsSsl {
  @ApiProperty({ type: [String] }) ca: string[];
  @ApiProperty({ example: PARTNER_CERTIFICATE_PLACEHOLDER }) cert: string;
  @ApiProperty({ example: PARTNER_KEY_PLACEHOLDER }) key: string;
  @ApiProperty({ example: true }) rejectUnauthorized: boolean;
}

class KafkaJsConfig {
  @ApiProperty({ example: 'southampton.adult-social-care' }) clientId: string;
  @ApiProperty({ type: [String] }) brokers: string[];
  @ApiProperty({ type: KafkaJsSsl }) ssl: KafkaJsSsl;
}

export class ConnectionKitView {
  @ApiProperty({ example: 'southampton.adult-social-care' }) participant: string;
  @ApiProperty({ type: [String], example: ['kafka.accord.example:9092'] }) bootstrapServers: string[];
  @ApiProperty({ example: 'SSL', description: 'TLS with a client certificate on every listener; no SASL' }) securityProtocol: 'SSL';
  @ApiProperty({ description: 'The partnership CA certificate, PEM' }) caCertificate: string;
  @ApiProperty({ description: 'Publish here (write and describe only)' }) eventsTopic: string;
  @ApiProperty({ description: 'Consume here (read and describe only)' }) inboxTopic: string;
  @ApiProperty({ example: 'southampton.adult-social-care.', description: 'Consumer group ids must start with this' }) groupPrefix: string;
  @ApiProperty({ description: 'While suspended, Kafka refuses every request of this participant' }) suspended: boolean;
  @ApiProperty({ type: KafkaJsConfig, description: 'A kafkajs `new Kafka(…)` configuration; replace the placeholders with your certificate and key' })
  kafkajs: KafkaJsConfig;
}
