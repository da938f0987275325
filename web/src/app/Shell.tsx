/**
 * The shell of every screen: Mantine with the page direction, the language (fr default, ar
 * right to left, en), the session (sign in, sign out, expiry) and the room's config. A screen
 * renders only once signed in with a role it accepts.
 */
import { Alert, Button, DirectionProvider, MantineProvider, NativeSelect, Paper, PasswordInput, Stack, TextInput, Title } from '@mantine/core';
import { useCallback, useEffect, useMemo, useState, type FormEvent, type ReactNode } from 'react';
import { Api, ApiError, login } from '../api/http';
import type { Role, RoomConfig, Session } from '../api/types';
import { direction, initialLang, LANG_NAMES, LANGS, LOCALES, translator, type Lang, type MessageKey } from '../i18n/i18n';
import { RoomContext, UiContext, useUi, type Ui } from './context';
import { theme } from './theme';

const SESSION_KEY = 'callcenter.session';
const LANG_KEY = 'callcenter.lang';

function storedSession(): Session | null {
  try {
    const session = JSON.parse(sessionStorage.getItem(SESSION_KEY) ?? 'null') as Session | null;
    return session && session.expiresAt > Date.now() ? session : null;
  } catch {
    return null;
  }
}

export interface ShellProps {
  title: MessageKey;
  roles: Role[];
  onGesture?: () => void; // the login click: lets the page play the ring tone
  children: ReactNode;
}

export function Shell(props: ShellProps) {
  const [lang, setLangState] = useState<Lang>(() =>
    initialLang(localStorage.getItem(LANG_KEY), new URLSearchParams(location.search).get('lang')),
  );
  const setLang = useCallback((next: Lang) => {
    localStorage.setItem(LANG_KEY, next);
    setLangState(next);
  }, []);
  const dir = direction(lang);
  useEffect(() => {
    document.documentElement.lang = lang;
    document.documentElement.dir = dir;
  }, [lang, dir]);
  const ui: Ui = useMemo(() => ({ lang, locale: LOCALES[lang], t: translator(lang), setLang }), [lang, setLang]);
  useEffect(() => {
    document.title = `${ui.t(props.title)} · callcenter`;
  }, [ui, props.title]);

  return (
    <DirectionProvider initialDirection={dir} detectDirection={false}>
      <MantineProvider theme={theme}>
        <UiContext.Provider value={ui}>
          <SignedIn {...props} />
        </UiContext.Provider>
      </MantineProvider>
    </DirectionProvider>
  );
}

function SignedIn({ title, roles, onGesture, children }: ShellProps) {
  const { t } = useUi();
  const [session, setSession] = useState<Session | null>(storedSession);
  const [expired, setExpired] = useState(false);
  const [config, setConfig] = useState<RoomConfig | null>(null);
  const [error, setError] = useState<string | null>(null);

  const onExpired = useCallback(() => {
    sessionStorage.removeItem(SESSION_KEY);
    setSession(null);
    setExpired(true);
  }, []);
  const signOut = useCallback(() => {
    sessionStorage.removeItem(SESSION_KEY);
    setSession(null);
    setExpired(false);
    setConfig(null);
  }, []);
  const api = useMemo(() => new Api(() => session, onExpired), [session, onExpired]);

  useEffect(() => {
    if (session === null || !roles.includes(session.role)) return;
    let live = true;
    api
      .get<RoomConfig>('/room/config')
      .then((c) => live && setConfig(c))
      .catch((e: unknown) => live && setError(String(e instanceof ApiError ? e.message : e)));
    return () => {
      live = false;
    };
  }, [api, session, roles]);

  const signedIn = (s: Session) => {
    sessionStorage.setItem(SESSION_KEY, JSON.stringify(s));
    setSession(s);
    setExpired(false);
  };

  const wrongRole = session !== null && !roles.includes(session.role);
  return (
    <>
      <Header title={title} session={session} onSignOut={signOut} />
      <main className="cc-main" id="main">
        {session === null || wrongRole ? (
          <LoginForm
            notice={wrongRole ? t('login.wrongRole', { role: session?.role ?? '' }) : expired ? t('login.expired') : null}
            onGesture={onGesture}
            onSignedIn={signedIn}
          />
        ) : config === null ? (
          error ? <Alert color="danger" role="alert">{t('error.generic', { detail: error })}</Alert> : null
        ) : (
          <RoomContext.Provider value={{ api, session, config, signOut, expired: onExpired }}>{children}</RoomContext.Provider>
        )}
      </main>
    </>
  );
}

function Header({ title, session, onSignOut }: { title: MessageKey; session: Session | null; onSignOut: () => void }) {
  const { t, lang, setLang } = useUi();
  return (
    <header className="cc-header">
      <h1>{t(title)}</h1>
      {session ? (
        <span className="cc-user" data-testid="signed-in">
          {session.seat ? t('user.signedIn', { user: session.username, seat: session.seat }) : session.username}
        </span>
      ) : null}
      <NativeSelect
        aria-label={t('lang.label')}
        value={lang}
        onChange={(e) => setLang(e.currentTarget.value as Lang)}
        data={LANGS.map((l) => ({ value: l, label: LANG_NAMES[l] }))}
        size="xs"
      />
      {session ? (
        <Button size="xs" variant="white" color="dark" onClick={onSignOut}>
          {t('logout')}
        </Button>
      ) : null}
    </header>
  );
}

function LoginForm({ notice, onGesture, onSignedIn }: { notice: string | null; onGesture?: () => void; onSignedIn: (s: Session) => void }) {
  const { t } = useUi();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    onGesture?.();
    setBusy(true);
    setError(null);
    try {
      onSignedIn(await login(username.trim(), password));
    } catch (err) {
      const status = err instanceof ApiError ? err.status : 0;
      setError(status === 401 ? t('login.failed') : status === 429 ? t('login.throttled') : t('error.generic', { detail: String(err) }));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Paper component="form" onSubmit={submit} maw={420} mx="auto" mt="xl" p="lg" withBorder shadow="sm" aria-labelledby="login-title">
      <Stack>
        <Title order={2} id="login-title">
          {t('login.title')}
        </Title>
        {notice ? <Alert color="amber" role="status">{notice}</Alert> : null}
        <TextInput label={t('login.username')} value={username} onChange={(e) => setUsername(e.currentTarget.value)} autoComplete="username" required data-autofocus autoFocus />
        <PasswordInput label={t('login.password')} value={password} onChange={(e) => setPassword(e.currentTarget.value)} autoComplete="current-password" required />
        {error ? <Alert color="danger" role="alert">{error}</Alert> : null}
        <Button type="submit" loading={busy}>
          {t('login.submit')}
        </Button>
      </Stack>
    </Paper>
  );
}
