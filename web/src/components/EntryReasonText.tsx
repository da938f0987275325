/**
 * The entry decision's reasons as the operator reads them: each translated part isolated in
 * its own <bdi> (figures such as "61/60" keep their order in Arabic), or the step's English
 * sentence, marked as English and isolated left to right, for calls recorded before the codes.
 */
import { Fragment } from 'react';
import type { EntryReason } from '../format/entryReasons';

export function EntryReasonText({ reason }: { reason: EntryReason }) {
  if (!reason.translated) {
    return (
      <bdi lang="en" dir="ltr">
        {reason.english}
      </bdi>
    );
  }
  return (
    <>
      {reason.parts.map((part, i) => (
        <Fragment key={i}>
          {i > 0 ? reason.separator : null}
          <bdi>{part}</bdi>
        </Fragment>
      ))}
    </>
  );
}
