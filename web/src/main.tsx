/** Entry point: one bundle, the screen chosen by the path (/ operator, /dispatch dispatcher). */
import '@mantine/core/styles.css';
import './app/app.css';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { Shell } from './app/Shell';
import { AuditScreen } from './screens/audit/AuditScreen';
import { Wallboard } from './screens/wallboard/Wallboard';
import { DispatchConsole } from './screens/dispatch/DispatchConsole';
import { OperatorPanel } from './screens/operator/OperatorPanel';
import { RingTone } from './sound/ringTone';

const root = createRoot(document.getElementById('root')!);
const path = location.pathname.replace(/\/+$/, '');

if (path === '/wallboard') {
  root.render(<StrictMode><Shell title="app.wallboard" roles={['supervisor', 'admin']}><Wallboard /></Shell></StrictMode>);
} else if (path === '/audit' || path.startsWith('/audit/')) {
  root.render(<StrictMode><Shell title="app.audit" roles={['auditor', 'admin']}><AuditScreen /></Shell></StrictMode>);
} else if (path === '/dispatch') {
  root.render(
    <StrictMode>
      <Shell title="app.dispatch" roles={['dispatcher', 'supervisor', 'admin']}>
        <DispatchConsole />
      </Shell>
    </StrictMode>,
  );
} else {
  const ring = new RingTone();
  root.render(
    <StrictMode>
      <Shell title="app.operator" roles={['operator']} onGesture={() => ring.unlock()}>
        <OperatorPanel ring={ring} />
      </Shell>
    </StrictMode>,
  );
}
