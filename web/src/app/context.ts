/** What every screen gets from the shell: language, translate, the room's config, the API. */
import { createContext, useContext } from 'react';
import type { Api } from '../api/http';
import type { RoomConfig, Session } from '../api/types';
import type { Lang, Translate } from '../i18n/i18n';

export interface Ui {
  lang: Lang;
  locale: string;
  t: Translate;
  setLang: (lang: Lang) => void;
}

export const UiContext = createContext<Ui | null>(null);

export function useUi(): Ui {
  const ui = useContext(UiContext);
  if (ui === null) throw new Error('useUi outside the shell');
  return ui;
}

export interface Room {
  api: Api;
  session: Session;
  config: RoomConfig;
  signOut: () => void;
  expired: () => void;
}

export const RoomContext = createContext<Room | null>(null);

export function useRoom(): Room {
  const room = useContext(RoomContext);
  if (room === null) throw new Error('useRoom outside a signed-in screen');
  return room;
}
