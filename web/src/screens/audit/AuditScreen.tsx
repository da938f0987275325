/** The auditor's screen at /audit: the search (its filter in the URL), a call's page at
 * /audit/calls/<id> and an incident's at /audit/incident/<id>. Navigation stays in the page
 * (history.pushState) so Back works. */
import { useCallback, useEffect, useState } from 'react';
import { AuditSearch } from './AuditSearch';
import { CallPage } from './CallPage';
import { IncidentPage, incidentIdOf } from './IncidentPage';
import './audit.css';

export function callIdOf(path: string): string | null {
  const m = /^\/audit\/calls\/([^/]+)\/?$/.exec(path);
  return m ? decodeURIComponent(m[1]!) : null;
}

export function AuditScreen() {
  const [where, setWhere] = useState(() => ({ path: location.pathname, search: location.search }));
  useEffect(() => {
    const onPop = () => setWhere({ path: location.pathname, search: location.search });
    window.addEventListener('popstate', onPop);
    return () => window.removeEventListener('popstate', onPop);
  }, []);
  const go = useCallback((url: string) => {
    history.pushState(null, '', url);
    setWhere({ path: location.pathname, search: location.search });
    window.scrollTo(0, 0);
  }, []);
  const callId = callIdOf(where.path);
  const incidentId = incidentIdOf(where.path);
  if (incidentId) return <IncidentPage key={incidentId} incidentId={incidentId} go={go} />;
  return callId ? <CallPage key={callId} callId={callId} go={go} /> : <AuditSearch search={where.search} go={go} />;
}
