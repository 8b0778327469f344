/**
 * Why the HTTP API could not listen, as the one line an operator needs (which port or address,
 * and the variable that changes it), instead of Node's stack trace. Undefined for any other error.
 */
export function listenProblem (err: unknown, host: string, port: number): string | undefined {
  const code = (err as NodeJS.ErrnoException | undefined)?.code
  const where = `${host.includes(':') ? `[${host}]` : host}:${port}`
  switch (code) {
    case 'EADDRINUSE':
      return `port ${port} is already in use (${where}: another hub or program listens there); stop it, or choose another port with the PORT variable, e.g. PORT=${port === 65535 ? 3001 : port + 1}`
    case 'EACCES':
      return `not allowed to listen on port ${port} (${where}): ports below 1024 need privileges; choose another with PORT, e.g. PORT=3000`
    case 'EADDRNOTAVAIL':
      return `cannot listen on ${where}: ${host} is not an address of this machine; set HOST to one of its addresses (0.0.0.0 for all, 127.0.0.1 for this machine only)`
    default:
      return undefined
  }
}
