/** Picks the seat's phone from the server's configuration (GET /me/phone). */
import type { Api } from '../api/http';
import type { PhoneConfig } from '../api/types';
import { DemoPhone } from './demoPhone';
import type { Phone } from './phone';
import { jssipUa, SipPhone } from './sipPhone';

export async function createPhone(api: Api, config: PhoneConfig): Promise<Phone> {
  if (config.mode === 'demo') return new DemoPhone(api);
  const ua = await jssipUa(config);
  const audio = new Audio();
  audio.autoplay = true;
  return new SipPhone(config, {
    createUa: () => ua,
    playRemote: (stream) => {
      audio.srcObject = stream;
      void audio.play().catch(() => {});
    },
    mediaAvailable: () => window.isSecureContext && navigator.mediaDevices !== undefined,
  });
}
