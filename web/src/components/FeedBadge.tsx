/** The live feed's state, in words (not only colour). */
import { useUi } from '../app/context';
import type { FeedStatus } from '../live/cursor';

export function FeedBadge({ status }: { status: FeedStatus }) {
  const { t } = useUi();
  return (
    <span className="cc-feed" data-status={status} data-testid="feed-status" role="status">
      {t(`feed.${status}`)}
    </span>
  );
}
