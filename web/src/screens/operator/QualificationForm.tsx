/**
 * The qualification form, keyboard-driven: the first field takes the focus when the call is
 * answered, Tab walks the fields, Enter (Ctrl+Enter in the notes) hands off in one action
 * (POST /me/call/handoff with the qualification). What is typed is kept as a local draft until
 * the hand-off succeeds; the API's validation messages (422) are shown next to their field.
 */
import { Alert, Button, Group, NativeSelect, Paper, SimpleGrid, Text, Textarea, TextInput, Title } from '@mantine/core';
import { useEffect, useRef, useState, type FormEvent, type KeyboardEvent } from 'react';
import { ApiError } from '../../api/http';
import type { CallWithTimeline } from '../../api/types';
import { useRoom, useUi } from '../../app/context';
import { formatNumber } from '../../format/phone';
import { labelOf, type MessageKey } from '../../i18n/i18n';
import { dropDraft, emptyDraft, loadDraft, saveDraft, toQualification, type Draft } from '../../session/drafts';
import { message, type OperatorController } from './controller';
import { IncidentSuggestions } from './IncidentSuggestions';

type Field = keyof Draft;

interface Props {
  controller: OperatorController;
  call: CallWithTimeline;
  hungUp?: boolean; // the caller hung up and another call is on the seat: say whose form this is
}

export function QualificationForm({ controller, call, hungUp = false }: Props) {
  const { t } = useUi();
  const { config } = useRoom();
  const callId = call.call.id;
  const [draft, setDraft] = useState<Draft>(
    () => loadDraft(localStorage, callId) ?? { ...emptyDraft, callback_e164: call.call.caller_e164 ?? '' },
  );
  const [errors, setErrors] = useState<Partial<Record<Field, string>>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const first = useRef<HTMLSelectElement>(null);

  useEffect(() => {
    first.current?.focus();
  }, []);

  const set = (field: Field) => (value: string) => {
    setDraft((d) => {
      const next = { ...d, [field]: value };
      saveDraft(localStorage, callId, next);
      return next;
    });
    setErrors((e) => ({ ...e, [field]: undefined }));
  };

  const submit = async (e?: FormEvent) => {
    e?.preventDefault();
    if (busy) return;
    const parsed = toQualification(draft);
    if (!parsed.ok) {
      setErrors(Object.fromEntries(Object.entries(parsed.errors).map(([f, k]) => [f, t(`form.${k}` as MessageKey)])));
      return;
    }
    setBusy(true);
    setFormError(null);
    try {
      await controller.handoff(parsed.body, callId);
      dropDraft(localStorage, callId);
    } catch (error) {
      const fields = error instanceof ApiError ? error.fieldErrors() : [];
      if (fields.length > 0) {
        const known = new Set(Object.keys(emptyDraft));
        setErrors(Object.fromEntries(fields.filter((f) => known.has(f.field)).map((f) => [f.field, f.message])));
        const other = fields.filter((f) => !known.has(f.field));
        if (other.length > 0) setFormError(other.map((f) => f.message).join('; '));
      } else {
        setFormError(message(error));
      }
    } finally {
      setBusy(false);
    }
  };

  const ctrlEnter = (e: KeyboardEvent) => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) void submit();
  };

  return (
    <Paper withBorder p="md" component="form" onSubmit={submit} aria-labelledby="form-title" noValidate data-testid="qualification">
      <Title order={2} size="h4" id="form-title" mb="sm">
        {t('form.title')}
      </Title>
      {hungUp ? (
        <Alert color="amber" role="status" mb="sm" data-testid="form-caller-hung-up">
          <span className="cc-ltr">{formatNumber(call.call.caller_e164, call.call.caller_raw) ?? t('call.withheld')}</span> — {t('call.hungUp')}
        </Alert>
      ) : null}
      <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
        <NativeSelect
          ref={first}
          label={t('form.incident')}
          required
          value={draft.incident_type}
          onChange={(e) => set('incident_type')(e.currentTarget.value)}
          error={errors.incident_type}
          data={[{ value: '', label: t('form.choose') }, ...config.incident_types.map((v) => ({ value: v, label: labelOf(t, 'incident', v) }))]}
          data-testid="incident_type"
        />
        <NativeSelect
          label={t('form.priority')}
          required
          value={draft.priority}
          onChange={(e) => set('priority')(e.currentTarget.value)}
          error={errors.priority}
          data={[{ value: '', label: t('form.choose') }, ...config.priorities.map((v) => ({ value: v, label: labelOf(t, 'priority', v) }))]}
          data-testid="priority"
        />
      </SimpleGrid>
      <TextInput mt="sm" label={t('form.address')} required value={draft.address} onChange={(e) => set('address')(e.currentTarget.value)} error={errors.address} autoComplete="off" data-testid="address" />
      <Text size="sm" fw={500} mt="sm">
        {t('form.coordinates')}
      </Text>
      <SimpleGrid cols={2} spacing="sm">
        <TextInput label={t('form.latitude')} inputMode="decimal" className="cc-ltr-input" value={draft.latitude} onChange={(e) => set('latitude')(e.currentTarget.value)} error={errors.latitude} autoComplete="off" />
        <TextInput label={t('form.longitude')} inputMode="decimal" className="cc-ltr-input" value={draft.longitude} onChange={(e) => set('longitude')(e.currentTarget.value)} error={errors.longitude} autoComplete="off" />
      </SimpleGrid>
      <TextInput mt="sm" label={t('form.callback')} inputMode="tel" className="cc-ltr-input" value={draft.callback_e164} onChange={(e) => set('callback_e164')(e.currentTarget.value)} error={errors.callback_e164} autoComplete="off" data-testid="callback_e164" />
      <Textarea mt="sm" label={t('form.notes')} autosize minRows={2} maxRows={6} value={draft.notes} onChange={(e) => set('notes')(e.currentTarget.value)} onKeyDown={ctrlEnter} error={errors.notes} data-testid="notes" />
      {formError ? (
        <Alert color="danger" role="alert" mt="sm">
          {t('error.generic', { detail: formError })}
        </Alert>
      ) : null}
      <Group justify="space-between" mt="md">
        <Text size="sm" c="dimmed">
          {t('form.draft')}
        </Text>
        <Button type="submit" loading={busy} data-testid="handoff">
          {t('form.handoff')}
        </Button>
      </Group>
      {/* after the hand-off button: the fields' Tab order is unchanged; F8 attaches from anywhere */}
      <IncidentSuggestions controller={controller} callId={callId} draft={draft} />
    </Paper>
  );
}
