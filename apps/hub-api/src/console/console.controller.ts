import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Controller, Get, NotFoundException, Param, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { PUBLIC_ROUTE } from '@accord/platform';

/**
 * Where the static files are: beside this file (under jest, and in dist where the build
 * copies them), else in the source tree from the repository root (a dist built by plain tsc).
 */
export function consoleAssetsDirectory(): string {
  const candidates = [join(__dirname, 'public'), resolve(process.cwd(), 'apps/hub-api/src/console/public')];
  return candidates.find((candidate) => existsSync(join(candidate, 'index.html'))) ?? candidates[0]!;
}

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};
const ASSET_NAME = /^[a-z0-9-]+\.(js|css|svg)$/;

// The page runs only its own scripts and talks only to this API; nothing inline, nothing from elsewhere.
const CONTENT_SECURITY_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/**
 * The ops and audit console: static HTML, CSS and plain JavaScript modules, no build step.
 * The page itself is public; it asks for a bearer token and every API call it makes
 * carries it, so it shows only what that token's roles allow.
 */
@ApiExcludeController()
@Controller()
export class ConsoleController {
  private readonly directory = consoleAssetsDirectory();

  @Get()
  @PUBLIC_ROUTE()
  async index(@Res() response: Response): Promise<void> {
    await this.send(response, 'index.html', 'text/html; charset=utf-8');
  }

  @Get('console/:file')
  @PUBLIC_ROUTE()
  async asset(@Param('file') file: string, @Res() response: Response): Promise<void> {
    if (!ASSET_NAME.test(file)) throw new NotFoundException('No such console file');
    await this.send(response, file, TYPES[file.slice(file.lastIndexOf('.'))]!);
  }

  private async send(response: Response, file: string, type: string): Promise<void> {
    const body = await readFile(join(this.directory, file)).catch(() => {
      throw new NotFoundException('No such console file');
    });
    response
      .status(200)
      .set({
        'Content-Type': type,
        'Content-Security-Policy': CONTENT_SECURITY_POLICY,
        'X-Content-Type-Options': 'nosniff',
        'Referrer-Policy': 'no-referrer',
        'Cache-Control': 'no-cache',
      })
      .send(body);
  }
}
