import { applyDecorators } from '@nestjs/common';
import { Type } from 'class-transformer';
import { IsInt, Max, Min } from 'class-validator';

/** A `?limit=` query parameter: a whole number from 1 to `max`, each problem in words. */
export function IsPageLimit(max: number): PropertyDecorator {
  return applyDecorators(
    Type(() => Number),
    IsInt({ message: 'must be a whole number' }),
    Min(1, { message: 'must be at least 1' }),
    Max(max, { message: `must be at most ${max}` }),
  );
}
