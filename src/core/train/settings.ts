// Training settings: defaults filled in, every field checked with its name in the message.
import { SippError } from '../util/errors';
import { DEFAULT_TRAIN_SETTINGS, OPTIMIZERS, SCHEDULES, type TrainSettings } from './types';

function bad(message: string): never {
  throw new SippError('bad-train-settings', message);
}

/** Defaults filled in and every field checked, with the field named in the message. */
export function resolveTrainSettings(partial: Partial<TrainSettings> = {}): TrainSettings {
  const defined = Object.fromEntries(Object.entries(partial).filter(([, v]) => v !== undefined));
  const s = { ...DEFAULT_TRAIN_SETTINGS, ...defined } as TrainSettings;
  if (!Number.isInteger(s.epochs) || s.epochs < 1 || s.epochs > 10000)
    bad(`epochs must be a whole number from 1 to 10000, got ${s.epochs}`);
  if (!Number.isInteger(s.batchSize) || s.batchSize < 1 || s.batchSize > 65536)
    bad(`batch size must be a whole number from 1 to 65536, got ${s.batchSize}`);
  if (!(OPTIMIZERS as readonly string[]).includes(s.optimizer))
    bad(`optimizer must be one of ${OPTIMIZERS.join(', ')}, got '${s.optimizer}'`);
  if (!(SCHEDULES as readonly string[]).includes(s.schedule))
    bad(`schedule must be one of ${SCHEDULES.join(', ')}, got '${s.schedule}'`);
  if (!(Number.isFinite(s.lr) && s.lr > 0 && s.lr < 10)) bad(`learning rate must be in (0, 10), got ${s.lr}`);
  if (!(Number.isFinite(s.momentum) && s.momentum >= 0 && s.momentum < 1))
    bad(`momentum must be in [0, 1), got ${s.momentum}`);
  if (!(Number.isFinite(s.weightDecay) && s.weightDecay >= 0 && s.weightDecay < 1))
    bad(`weight decay must be in [0, 1), got ${s.weightDecay}`);
  if (!['auto', 'on', 'off'].includes(s.distill)) bad(`distill must be auto, on or off, got '${s.distill}'`);
  if (!Number.isInteger(s.seed)) bad(`seed must be a whole number, got ${s.seed}`);
  return s;
}
