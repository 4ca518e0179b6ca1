import { auditCommand } from './audit.ts';
import type { Command } from './command.ts';
import { controllerCommand } from './controller.ts';
import { crdCommand } from './crd.ts';
import { renderCommand } from './render.ts';
import { sealCommand } from './seal.ts';
import { validateCommand } from './validate.ts';

/** Every subcommand, in the order `bulkhead --help` lists them. */
export const commands: readonly Command[] = [controllerCommand, renderCommand, validateCommand, sealCommand, auditCommand, crdCommand];
