/** The operator's softphone panel at `/`: seat, phone, the call, qualification, hand-offs, my calls. */
import { Alert, CloseButton, Grid, Group, Stack } from '@mantine/core';
import { useEffect, useMemo, useState } from 'react';
import { useRoom, useUi } from '../../app/context';
import { FeedBadge } from '../../components/FeedBadge';
import type { RingTone } from '../../sound/ringTone';
import { toQualify } from '../../store/operator';
import { useStore } from '../../store/store';
import { CallbackCard } from './CallbackCard';
import { CallbackController } from './callbackController';
import { CallCard } from './CallCard';
import { OperatorController } from './controller';
import { MyCalls } from './MyCalls';
import { OrphanDraft } from './OrphanDraft';
import { PhoneCard } from './PhoneCard';
import { QualificationForm } from './QualificationForm';
import { SeatCard } from './SeatCard';
import { Tickets } from './Tickets';

export function OperatorPanel({ ring }: { ring: RingTone }) {
  const room = useRoom();
  const { t } = useUi();
  const [error, setError] = useState<string | null>(null);
  const [controller] = useState(
    () => new OperatorController(room.api, () => room.session.token, room.config, room.expired, setError),
  );
  const [callbacks] = useState(() => new CallbackController(room.api, controller, setError));
  useEffect(() => {
    controller.start();
    callbacks.start();
    return () => {
      callbacks.stop();
      controller.stop();
    };
  }, [controller, callbacks]);
  const state = useStore(controller.store);
  const phone = useStore(controller.phoneStore);

  const ringing = state.seat?.state === 'ringing' || phone.line === 'ringing';
  useEffect(() => {
    if (ringing) ring.start();
    else ring.stop();
    return () => ring.stop();
  }, [ringing, ring]);

  const call = state.call;
  const handedOff = useMemo(() => Object.values(state.tickets).map((ticket) => ticket.call_id), [state.tickets]);
  // toQualify: also gone once this seat handed it off (an attached call's ticket is its incident's).
  const qualifying = call !== null && toQualify(call, state);
  // A hung-up call still to hand off comes first: its form stays until it is sent.
  const form = state.hungUp ?? (qualifying ? call : null);

  return (
    <Stack gap="md">
      <Group justify="space-between">
        <FeedBadge status={state.feed} />
      </Group>
      {error ? (
        <Alert color="danger" role="alert" withCloseButton={false}>
          <Group justify="space-between" wrap="nowrap">
            <span>{t('error.generic', { detail: error })}</span>
            <CloseButton aria-label="×" onClick={() => setError(null)} />
          </Group>
        </Alert>
      ) : null}
      <Grid gutter="md">
        <Grid.Col span={{ base: 12, md: 5 }}>
          <Stack gap="md">
            <SeatCard controller={controller} state={state} onError={setError} />
            <CallCard controller={controller} state={state} phone={phone} ringing={ringing} onError={setError} />
            <CallbackCard controller={callbacks} />
            <PhoneCard controller={controller} phone={phone} onError={setError} />
          </Stack>
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 7 }}>
          <Stack gap="md">
            {form ? <QualificationForm key={form.call.id} controller={controller} call={form} hungUp={form === state.hungUp} /> : null}
            <OrphanDraft call={form} qualifying={form !== null} handedOff={handedOff} />
            <Tickets state={state} />
            <MyCalls calls={state.calls} />
          </Stack>
        </Grid.Col>
      </Grid>
    </Stack>
  );
}
