import { SetMetadata } from '@nestjs/common';

/** Marks a route that needs no bearer token (only `/health`, per the contract). */
export const IS_PUBLIC_ROUTE = 'accord:public-route';
export const PUBLIC_ROUTE = () => SetMetadata(IS_PUBLIC_ROUTE, true);
