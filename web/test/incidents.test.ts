import { describe, expect, it } from 'vitest';
import type { Suggestion } from '../src/api/incidents';
import type { CallWithTimeline, LiveEvent, Ticket } from '../src/api/types';
import { initialOperator, operatorReducer, toQualify } from '../src/store/operator';
import { incidentIdOf } from '../src/screens/audit/IncidentPage';
import { emptyDraft, type Draft } from '../src/session/drafts';
import { dispatchReducer, initialDispatch } from '../src/store/dispatch';
import {
  attachTarget,
  callersText,
  initialSuggestions,
  reasonText,
  suggestionQuery,
  suggestionsReducer,
  type SuggestionsAction,
  type SuggestionsState,
} from '../src/store/incidents';
import { translator } from '../src/i18n/i18n';

const draft = (over: Partial<Draft>): Draft => ({ ...emptyDraft, ...over });
const suggestion = (id: string): Suggestion => ({
  incident: { id, incident_type: 'fire', priority: 'P1', address: '12 Bd Zerktouni', opened_at: '', last_at: '', callers: 2, ticket_id: 'T-1', ticket_state: 'sent' },
  score: 7,
  reasons: [{ code: 'near', value: 30 }, { code: 'same_type', value: null }],
});
const run = (actions: SuggestionsAction[]): SuggestionsState => actions.reduce(suggestionsReducer, initialSuggestions);

describe('suggestionQuery: what is typed -> the question', () => {
  it.each([
    ['nothing typed', draft({}), null],
    ['a type alone places nothing', draft({ incident_type: 'fire' }), null],
    ['an address', draft({ incident_type: 'fire', address: ' 12 Bd Zerktouni ' }), 'call_id=c2&incident_type=fire&address=12+Bd+Zerktouni'],
    ['coordinates (comma decimals too)', draft({ latitude: '33,5885', longitude: '-7.6322' }), 'call_id=c2&latitude=33.5885&longitude=-7.6322'],
    ['coordinates out of range are not sent', draft({ address: 'Zerktouni', latitude: '95', longitude: '1' }), 'call_id=c2&address=Zerktouni'],
    ['half coordinates are not sent', draft({ latitude: '33.5' }), null],
  ])('%s', (_name, typed, query) => {
    expect(suggestionQuery(typed, 'c2')).toBe(query);
  });
});

describe('suggestionsReducer: (state, action) -> state', () => {
  it.each<[string, SuggestionsAction[], Partial<SuggestionsState>]>([
    ['asking shows loading', [{ type: 'ask', query: 'q1' }], { query: 'q1', loading: true }],
    ['the answer to the question asked is shown', [{ type: 'ask', query: 'q1' }, { type: 'answered', query: 'q1', suggestions: [suggestion('I-a')] }], { loading: false, suggestions: [suggestion('I-a')] }],
    [
      'an answer to an older draft is dropped',
      [{ type: 'ask', query: 'q1' }, { type: 'ask', query: 'q2' }, { type: 'answered', query: 'q1', suggestions: [suggestion('I-a')] }],
      { query: 'q2', loading: true, suggestions: [] },
    ],
    ['nothing to ask clears the list', [{ type: 'ask', query: 'q1' }, { type: 'answered', query: 'q1', suggestions: [suggestion('I-a')] }, { type: 'ask', query: null }], { suggestions: [], loading: false }],
    ['a failure of the current question is shown', [{ type: 'ask', query: 'q1' }, { type: 'failed', query: 'q1', message: 'HTTP 500' }], { error: 'HTTP 500', loading: false }],
    ['attaching twice keeps the first', [{ type: 'attaching', incidentId: 'I-a' }, { type: 'attaching', incidentId: 'I-b' }], { attaching: 'I-a' }],
    [
      'attached',
      [{ type: 'attaching', incidentId: 'I-a' }, { type: 'attached', result: { call_id: 'c2', incident_id: 'I-a', ticket_id: 'T-1', callers: 2 } }],
      { attaching: null, attached: { call_id: 'c2', incident_id: 'I-a', ticket_id: 'T-1', callers: 2 } },
    ],
    ['a refused attachment says why and may be tried again', [{ type: 'attaching', incidentId: 'I-a' }, { type: 'attach-failed', message: 'HTTP 409' }], { attaching: null, error: 'HTTP 409' }],
  ])('%s', (_name, actions, expected) => {
    expect(run(actions)).toMatchObject(expected);
  });

  it('the attach key takes the first suggestion, once its answer is in, never twice', () => {
    const answered = run([{ type: 'ask', query: 'q' }, { type: 'answered', query: 'q', suggestions: [suggestion('I-a'), suggestion('I-b')] }]);
    expect(attachTarget(answered)?.incident.id).toBe('I-a');
    expect(attachTarget(suggestionsReducer(answered, { type: 'ask', query: 'q2' }))).toBeNull(); // loading
    expect(attachTarget(suggestionsReducer(answered, { type: 'attaching', incidentId: 'I-a' }))).toBeNull();
    expect(attachTarget(initialSuggestions)).toBeNull();
  });

  it('reasons read as the catalogue says, with their figures', () => {
    const t = translator('en');
    const text = (code: string, value: number | null) => {
      const { key, params } = reasonText({ code, value });
      return t(key as Parameters<typeof t>[0], params);
    };
    expect([text('near', 30), text('same_type', null), text('callers', 4), text('recent', 2), text('recent', 0), text('same_caller', null)]).toEqual([
      '30 m away',
      'same type',
      '4 callers',
      '2 min ago',
      'just now',
      'same caller',
    ]);
    const callers = (n: number) => t(callersText(n).key as Parameters<typeof t>[0], callersText(n).params);
    expect([callers(1), callers(3)]).toEqual(['1 caller', '3 callers']);
  });
});

describe('the dispatcher sees how many callers report a ticket', () => {
  const ticket = (id: string, extra: Partial<Ticket> = {}): Ticket => ({
    id, call_id: `c-${id}`, state: 'sent', created_at: '2026-12-01T10:00:00Z', unit: null, acknowledged_by: null, acknowledged_at: null,
    qualification: { incident_type: 'fire', priority: 'P1', address: 'x', latitude: null, longitude: null, callback_e164: null, notes: '' },
    ...extra,
  });
  const callers = (payload: Record<string, unknown>) => ({
    type: 'live' as const,
    event: { type: 'event', seq: 2, topic: 'dispatch', kind: 'ticket_callers', at: '', call_id: 'c-T-1', seat: null, payload } as LiveEvent,
  });
  const loaded = dispatchReducer(initialDispatch, { type: 'loaded', tickets: [ticket('T-1', { callers: 1 }), ticket('T-2')], units: [] });

  it.each([
    ['the count grows', { id: 'T-1', callers: 2 }, [2, undefined]],
    ['a late, smaller count does not shrink it', { id: 'T-1', callers: 1 }, [1, undefined]],
    ['an unknown ticket is not added', { id: 'T-9', callers: 3 }, [1, undefined]],
    ['junk is ignored', { id: 'T-1', callers: 'many' }, [1, undefined]],
  ])('%s', (_name, payload, counts) => {
    const next = dispatchReducer(loaded, callers(payload));
    expect(next.tickets.map((t) => t.callers)).toEqual(counts);
    expect(next.tickets.map((t) => t.id)).toEqual(['T-1', 'T-2']);
  });
});

describe('the auditor reaches an incident by its address', () => {
  it.each([
    ['/audit/incident/I-1732240000.101', 'I-1732240000.101'],
    ['/audit/incident/I-a%2Fb/', 'I-a/b'],
    ['/audit/incidents/I-1', null], // the API's JSON, not a screen
    ['/audit/calls/c1', null],
  ])('%s', (path, id) => {
    expect(incidentIdOf(path)).toBe(id);
  });
});

describe('an attached call handed off on its incident\'s ticket leaves the form', () => {
  const call = (id: string) =>
    ({ call: { id, state: 'qualified', outcome: null, caller_raw: '', caller_e164: null, seat: 'Seat 01', rang_at: null, answered_at: null, ended_at: null, incident_type: 'fire', priority: 'P1', dispatch_ticket: null, dispatch_unit: null }, steps: [] }) as unknown as CallWithTimeline;
  it('the ticket names the first caller; the second call is still done', () => {
    let state = operatorReducer(initialOperator, { type: 'handed-off', callId: 'c1', ticketId: 'T-1', at: 'x' });
    expect(toQualify(call('c2'), state)).toBe(true);
    state = operatorReducer(state, { type: 'handed-off', callId: 'c2', ticketId: 'T-1', at: 'y' });
    expect(toQualify(call('c2'), state)).toBe(false);
    expect(toQualify(call('c1'), state)).toBe(false);
    expect(state.handoffs).toEqual(['T-1']);
    expect(state.tickets['T-1']!.call_id).toBe('c1');
  });
  it('after a reload, the timeline says it was handed off on the incident\'s ticket', () => {
    const step = (kind: string, payload: Record<string, unknown>) => ({ seq: 1, kind, at: '', payload });
    const attachedOnly = { ...call('c2'), steps: [step('attached', { incident_id: 'I-c1', ticket_id: 'T-1' })] };
    expect(toQualify(attachedOnly, initialOperator)).toBe(true); // still to qualify and send
    const sent = { ...call('c2'), steps: [...attachedOnly.steps, step('dispatch_requested', { incident_ticket_id: 'T-1' })] };
    expect(toQualify(sent, initialOperator)).toBe(false);
    const own = { ...call('c3'), steps: [step('qualified', { ticket_id: 'T-3' })] };
    expect(toQualify(own, initialOperator)).toBe(false);
  });
});
