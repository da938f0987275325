import { MantineProvider } from '@mantine/core';
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import type { CallbackTask } from '../src/api/callbacks';
import type { Api } from '../src/api/http';
import type { LiveEvent } from '../src/api/types';
import { UiContext } from '../src/app/context';
import { theme } from '../src/app/theme';
import { translator, type Lang } from '../src/i18n/i18n';
import { CallbackCard, dialledNumber } from '../src/screens/operator/CallbackCard';
import { CallbackController } from '../src/screens/operator/callbackController';
import type { OperatorController } from '../src/screens/operator/controller';
import { initialOperator, operatorReducer } from '../src/store/operator';
import { createStore } from '../src/store/store';
import { callbackBoard } from '../src/store/callbackBoard';
import { callbackReducer, initialCallbacks, type CallbackAction, type CallbackState } from '../src/store/callbacks';

const task = (extra: Partial<CallbackTask> = {}): CallbackTask => ({
  call_id: 'c1', number: '+212612345678', caller_raw: '0612345678', reason: 'abandoned', status: 'offered',
  created_at: '2026-12-01T10:00:00Z', waited_seconds: 125, repeat_count: 2, not_callable: null, seat: 'Seat 01',
  attempts: 0, result: null, closed_by: null, updated_at: null, ...extra,
});
const fresh: CallbackState = { ...initialCallbacks, stale: false };
const live = (topic: string, payload: object, seat: string | null = 'Seat 01'): CallbackAction => ({
  type: 'live',
  event: { type: 'event', seq: 1, topic, kind: topic === 'callback' ? 'callback_task' : 'x', at: '2026-12-01T10:00:00Z', call_id: 'c1', seat, payload } as unknown as LiveEvent,
  seat: 'Seat 01',
});

describe('callbackReducer: (state, action) -> state', () => {
  const offered = { ...fresh, task: task() };
  const calling = { ...fresh, task: task({ status: 'calling', attempts: 1 }) };
  const table: [string, CallbackState, CallbackAction, Partial<CallbackState>][] = [
    ['the offer loaded', fresh, { type: 'offer', task: task(), whyNone: '' }, { task: task() }],
    ['none offered, and why', offered, { type: 'offer', task: null, whyNone: 'queue_beyond_sla' }, { task: null, whyNone: 'queue_beyond_sla' }],
    ['fetching clears stale', initialCallbacks, { type: 'fetching' }, { stale: false }],
    ['an open task elsewhere: ask for an offer', fresh, live('callback', task({ call_id: 'c9', status: 'open', seat: null }), null), { stale: true }],
    ['an open task while one is offered: nothing', offered, live('callback', task({ call_id: 'c9', status: 'open', seat: null }), null), {}],
    ['another seat takes a task: nothing', fresh, live('callback', task({ call_id: 'c9', seat: 'Seat 04' }), 'Seat 04'), {}],
    ['my call-back starts', offered, live('callback', task({ status: 'calling', attempts: 1 })), { task: task({ status: 'calling', attempts: 1 }) }],
    ['the caller was reached', calling, live('callback', task({ status: 'reached', attempts: 1, result: 'reached' })),
      { task: null, last: { callId: 'c1', number: '+212612345678', result: 'reached' }, stale: true }],
    ['busy: back to the pool, shown, and ask again', calling, live('callback', task({ status: 'open', seat: null, attempts: 1, result: 'busy' }), null),
      { task: null, last: { callId: 'c1', number: '+212612345678', result: 'busy' }, stale: true }],
    ['the caller called in again while offered', offered, live('callback', task({ status: 'closed', closed_by: 'c2' })), { task: null, stale: true }],
    ['a seat or call change: ask again', offered, live('seat', { state: 'paused' }), { stale: true }],
    ['garbage on the topic changes nothing', offered, live('callback', { nope: 1 }), {}],
  ];
  it.each(table)('%s', (_name, state, action, expected) => {
    expect(callbackReducer(state, action)).toEqual({ ...state, ...expected });
  });
});

describe('dialledNumber', () => {
  it.each([
    ['+212612345678', '0612345678', '06 12 34 56 78'],
    ['+33612345678', '0033612345678', '+336 123 456 78'],
    [null, 'anonymous', 'anonymous'],
  ])('%s', (number, raw, shown) => {
    expect(dialledNumber({ number, caller_raw: raw })).toBe(shown);
  });
});

function render(state: Partial<CallbackState>, lang: Lang = 'en'): string {
  const controller = new CallbackController({} as Api, { liveListeners: new Set(), store: createStore(operatorReducer, initialOperator) } as unknown as OperatorController, () => {});
  controller.store.dispatch({ type: 'offer', task: state.task ?? null, whyNone: '' });
  if (state.last) {
    controller.store.dispatch({ type: 'offer', task: task({ status: 'calling' }), whyNone: '' });
    controller.store.dispatch(live('callback', task({ status: 'reached', result: state.last.result, number: state.last.number })));
    controller.store.dispatch({ type: 'offer', task: state.task ?? null, whyNone: '' });
  }
  const ui = { lang, locale: lang, t: translator(lang), setLang: () => {} };
  const html = renderToStaticMarkup(
    createElement(MantineProvider, { theme }, createElement(UiContext.Provider, { value: ui }, createElement(CallbackCard, { controller }))),
  );
  return html.replace(/<style[\s\S]*?<\/style>/g, ''); // Mantine's own CSS variables
}

const text = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/[\u2066\u2069]/g, '').replace(/\s+/g, ' ');

describe('CallbackCard', () => {
  it('shows nothing without a call-back', () => {
    expect(render({})).toBe('');
  });
  it('offers the call-back: number, wait, calls of the day, and a keyboard shortcut', () => {
    const html = render({ task: task() });
    expect(text(html)).toContain('Call back 06 12 34 56 78');
    expect(text(html)).toContain('waited 2 min 5 s · 3 calls in 24 h');
    expect(text(html)).toContain('Hung up before an answer');
    expect(html).toContain('aria-keyshortcuts="Alt+R"');
    expect(html).toContain('data-testid="callback-call"');
  });
  it('a first call waited seconds', () => {
    expect(text(render({ task: task({ waited_seconds: 4, repeat_count: 0 }) }))).toContain('waited 4 s · first call in 24 h');
  });
  it('while calling, asks what was heard', () => {
    const html = text(render({ task: task({ status: 'calling', attempts: 2 }) }));
    expect(html).toContain('Calling 06 12 34 56 78 back (attempt 2)');
    for (const label of ['Caller reached', 'No answer', 'Busy', 'Invalid number']) expect(html).toContain(label);
  });
  it('keeps the number left to right in Arabic', () => {
    expect(render({ task: task() }, 'ar')).toContain('\u206606 12 34 56 78\u2069');
  });
  it('shows the last result, in Arabic too', () => {
    const last = { callId: 'c1', number: '+212612345678', result: 'no_answer' };
    expect(text(render({ last }))).toContain('Last call-back (06 12 34 56 78): No answer');
    expect(text(render({ last }, 'ar'))).toContain('لا رد');
  });
});

describe('callbackBoard (the supervisor\'s view)', () => {
  it('counts every state, lists the live ones in offer order and the latest not callable', () => {
    const tasks = [
      task({ call_id: 'old', status: 'open', seat: null, created_at: '2026-12-01T09:00:00Z' }),
      task({ call_id: 'new', status: 'open', seat: null, created_at: '2026-12-01T09:30:00Z' }),
      task({ call_id: 'cut', status: 'open', seat: null, reason: 'cut_off', created_at: '2026-12-01T09:40:00Z' }),
      task({ call_id: 'rep', status: 'calling', repeat_count: 4, created_at: '2026-12-01T09:50:00Z' }),
      task({ call_id: 'done', status: 'reached' }),
      task({ call_id: 'anon', status: 'not_callable', number: null, not_callable: 'withheld' }),
    ];
    const board = callbackBoard(tasks);
    expect(board.counts).toEqual({ open: 3, offered: 0, calling: 1, reached: 1, closed: 0, gave_up: 0, not_callable: 1 });
    expect(board.live.map((t) => t.call_id)).toEqual(['rep', 'cut', 'old', 'new']);
    expect(board.notCallable.map((t) => t.call_id)).toEqual(['anon']);
  });
});
