import { createContext, useContext, useSyncExternalStore } from 'react';
import type { Studio } from './studio';
import type { StudioState } from './types';

export const StudioContext = createContext<Studio | null>(null);

/** The controller and its current state; re-renders on every state change. */
export function useStudio(): [StudioState, Studio] {
  const studio = useContext(StudioContext);
  if (!studio) throw new Error('useStudio outside StudioContext');
  const state = useSyncExternalStore(studio.subscribe, studio.getState);
  return [state, studio];
}
