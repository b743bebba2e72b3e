/** The partnership's certificate authority (X.509 with @peculiar/x509) and the development PKI. */
export * from './errors';
export * from './certificate-authority';
export * from './development-pki';
