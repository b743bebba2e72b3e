import { Type } from 'class-transformer';
import { IsInt, Max, Min } from 'class-validator';

/** A whole-number setting within bounds (environment values are strings). */
export function opsIntegerSetting(name: string, min: number, max: number) {
  const message = `${name} must be a whole number from ${min} to ${max}`;
  return function (target: object, propertyKey: string): void {
    Type(() => Number)(target, propertyKey);
    IsInt({ message })(target, propertyKey);
    Min(min, { message })(target, propertyKey);
    Max(max, { message })(target, propertyKey);
  };
}
