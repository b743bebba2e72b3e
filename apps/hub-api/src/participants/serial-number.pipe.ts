import { Injectable, type PipeTransform } from '@nestjs/common';
import { InvalidRequest } from '@accord/platform';

/** The CA's serial numbers are at most 20 bytes: 40 hex digits (RFC 5280). */
const SERIAL_NUMBER = /^[0-9a-fA-F]{2,40}$/;

/** A certificate serial number in the path: hex, compared in lower case (as the hub stores it). */
@Injectable()
export class SerialNumberPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!SERIAL_NUMBER.test(value)) throw new InvalidRequest([{ path: 'serial', problem: 'must be a certificate serial number: 2 to 40 hex digits' }]);
    return value.toLowerCase();
  }
}
