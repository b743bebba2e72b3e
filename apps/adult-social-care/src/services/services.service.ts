import { randomUUID } from 'node:crypto';
import { HttpStatus, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { AccordError } from '@accord/platform';
import { RecordService, RecordWriter, recordView, withoutNulls, type RecordView } from '@accord/domain-service';
import type { EndServiceRequest } from './dto/service.requests';
import { ServiceEntity } from './service.entity';

export class ServiceEndInvalid extends AccordError {}

@Injectable()
export class ServicesService extends RecordService<ServiceEntity> {
  constructor(@InjectRepository(ServiceEntity) repository: Repository<ServiceEntity>, writer: RecordWriter) {
    super(repository, writer, 'asc.service.started.v1');
  }

  /** Ends a started service and publishes `asc.service.ended.v1` with the service's details. */
  async end(participant: string, id: string, request: EndServiceRequest): Promise<RecordView<ServiceEntity>> {
    const service = await this.find(participant, id);
    if (service.endDate) throw new ServiceEndInvalid('service-already-ended', 'The service has already ended', HttpStatus.CONFLICT);
    if (request.endDate < service.startDate) {
      throw new ServiceEndInvalid('service-end-invalid', 'The service cannot end before it started', HttpStatus.UNPROCESSABLE_ENTITY, [
        { path: 'endDate', problem: `must not be before the start date ${service.startDate}` },
      ]);
    }
    const data = this.writer.eventData(
      'asc.service.ended.v1',
      withoutNulls({
        subject: service.subject,
        serviceType: service.serviceType,
        deliveryMechanism: service.deliveryMechanism,
        providerCqcLocationId: service.providerCqcLocationId,
        plannedUnitsPerWeek: service.plannedUnitsPerWeek,
        weeklyCost: service.weeklyCost,
        endDate: request.endDate,
        endReason: request.endReason,
      }),
    );
    const eventId = randomUUID();
    service.endDate = request.endDate;
    service.endReason = request.endReason ?? null;
    service.endedEventId = eventId;
    return recordView(await this.writer.write(participant, service, { id: eventId, type: 'asc.service.ended.v1', data }));
  }
}
