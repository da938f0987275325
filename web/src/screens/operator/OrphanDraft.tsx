/**
 * When a call leaves the seat before its hand-off (the caller hung up, it was transferred), the
 * form goes with it: this keeps what the operator typed on screen (it stays in the local draft)
 * and says why it can no longer be sent from here, until they discard it.
 */
import { Alert, Button, Group, Text } from '@mantine/core';
import { useEffect, useRef, useState } from 'react';
import type { CallWithTimeline } from '../../api/types';
import { useUi } from '../../app/context';
import { formatNumber } from '../../format/phone';
import { labelOf } from '../../i18n/i18n';
import { dropDraft, loadDraft, type Draft } from '../../session/drafts';

interface Left {
  id: string;
  caller: string;
  draft: Draft;
}

export function OrphanDraft({ call, qualifying, handedOff }: { call: CallWithTimeline | null; qualifying: boolean; handedOff: string[] }) {
  const { t } = useUi();
  const last = useRef<{ id: string; caller: string } | null>(null);
  const [left, setLeft] = useState<Left | null>(null);

  useEffect(() => {
    if (qualifying && call) {
      last.current = { id: call.call.id, caller: formatNumber(call.call.caller_e164, call.call.caller_raw) ?? t('call.withheld') };
      return;
    }
    const gone = last.current;
    if (gone && (call === null || call.call.id !== gone.id || !qualifying)) {
      last.current = null;
      const draft = loadDraft(localStorage, gone.id); // dropped by a successful hand-off
      const typed = draft && (draft.address || draft.notes || draft.incident_type);
      if (draft && typed && !handedOff.includes(gone.id)) setLeft({ ...gone, draft });
    }
  }, [call, qualifying, handedOff, t]);

  if (left === null) return null;
  const d = left.draft;
  return (
    <Alert color="amber" role="status" data-testid="orphan-draft">
      <Text fw={600}>{t('form.orphan', { caller: left.caller })}</Text>
      <Text size="sm" mt={4} style={{ whiteSpace: 'pre-wrap' }}>
        {[labelOf(t, 'incident', d.incident_type), d.priority, d.address, d.notes].filter(Boolean).join(' · ')}
      </Text>
      <Group justify="flex-end" mt="xs">
        <Button
          size="xs"
          variant="outline"
          color="dark"
          onClick={() => {
            dropDraft(localStorage, left.id);
            setLeft(null);
          }}
        >
          {t('form.orphanDrop')}
        </Button>
      </Group>
    </Alert>
  );
}
