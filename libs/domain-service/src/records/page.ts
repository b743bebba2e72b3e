import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Matches, Max, Min } from 'class-validator';

/** `?limit=&cursor=`: newest first; `cursor` is the `nextCursor` of the previous page. */
export class PageQuery {
  @ApiPropertyOptional({ minimum: 1, maximum: 200, default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(200)
  limit?: number;

  @ApiPropertyOptional({ description: 'nextCursor of the previous page' })
  @IsOptional()
  @Matches(/^\d{1,19}$/, { message: 'cursor must be the nextCursor of a previous page' })
  cursor?: string;
}

export class Page<T> {
  @ApiProperty({ isArray: true })
  items: T[];

  @ApiPropertyOptional({ description: 'Pass as `cursor` for the next page; absent on the last page', nullable: true })
  nextCursor: string | null;
}

export const DEFAULT_PAGE_SIZE = 50;

/** Rows fetched with one extra (limit + 1) → a page and the cursor of the last item shown. */
export function pageOf<R extends { seq: string }, T>(rows: R[], limit: number, view: (row: R) => T): Page<T> {
  const shown = rows.slice(0, limit);
  return {
    items: shown.map(view),
    nextCursor: rows.length > limit ? shown[shown.length - 1]!.seq : null,
  };
}
