/** The phone: registration state, microphone problems, mute and hold. */
import { Alert, Badge, Button, Group, Paper, Text, Title } from '@mantine/core';
import { useUi } from '../../app/context';
import type { PhoneState } from '../../phone/phone';
import { message, type OperatorController } from './controller';

export function PhoneCard({ controller, phone, onError }: { controller: OperatorController; phone: PhoneState; onError: (m: string) => void }) {
  const { t } = useUi();
  const run = (fn: () => Promise<void>) => () => void fn().catch((e: unknown) => onError(message(e)));
  const mode = controller.phone?.mode;
  const inCall = phone.line === 'in_call';
  return (
    <Paper withBorder p="md" component="section" aria-labelledby="phone-title">
      <Group justify="space-between" mb="xs">
        <Title order={2} size="h4" id="phone-title">
          {t('phone.title')}
        </Title>
        <Badge variant="outline" color={phone.registration === 'registered' ? 'ok' : phone.registration === 'failed' ? 'danger' : 'gray'} data-testid="phone-registration">
          {t(`phone.registration.${phone.registration}`, { cause: phone.registrationCause ?? '' })}
        </Badge>
      </Group>
      {mode === 'demo' ? <Text size="sm" c="dimmed">{t('phone.demo')}</Text> : null}
      {phone.error ? (
        <Alert color={phone.error.kind === 'microphone' ? 'amber' : 'danger'} role="alert" mt="xs">
          {phone.error.kind === 'microphone' ? t('phone.microphone') : t('phone.error', { cause: phone.error.cause })}
        </Alert>
      ) : null}
      <Group mt="sm" gap="sm">
        <Button variant="outline" disabled={!inCall} aria-pressed={phone.muted} onClick={run(() => controller.phone!.setMuted(!phone.muted))}>
          {phone.muted ? t('phone.unmute') : t('phone.mute')}
        </Button>
        <Button variant="outline" disabled={!inCall} aria-pressed={phone.held} onClick={run(() => controller.phone!.setHeld(!phone.held))}>
          {phone.held ? t('phone.unhold') : t('phone.hold')}
        </Button>
      </Group>
    </Paper>
  );
}
