import { useContext, useSyncExternalStore } from 'react';
import { StudioContext } from './context';
import type { Runs } from './runs';
import type { RunsState } from './runs-types';
import type { StudioState } from './types';

/** The runs controller, its state and the studio's; re-renders on a change of either. */
export function useRuns(): [RunsState, Runs, StudioState] {
  const studio = useContext(StudioContext);
  if (!studio) throw new Error('useRuns outside StudioContext');
  const runs = useSyncExternalStore(studio.runs.subscribe, studio.runs.getState);
  const state = useSyncExternalStore(studio.subscribe, studio.getState);
  return [runs, studio.runs, state];
}
