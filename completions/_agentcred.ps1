
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'agentcred' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'agentcred'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'agentcred' {
            [CompletionResult]::new('--vault', '--vault', [CompletionResultType]::ParameterName, 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour on the terminal (NO_COLOR is honoured)')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Unlock with this age identity file instead of a passphrase')
            [CompletionResult]::new('--key-file', '--key-file', [CompletionResultType]::ParameterName, 'Act as an agent, with the agent key in this file')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON ("schema": 1) instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never secret values)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never secret values)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('init', 'init', [CompletionResultType]::ParameterValue, 'Create a new vault')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show the vault, what it holds, and anything that needs attention')
            [CompletionResult]::new('unlock', 'unlock', [CompletionResultType]::ParameterValue, 'Unlock the vault for a while: later admin commands need no passphrase')
            [CompletionResult]::new('lock', 'lock', [CompletionResultType]::ParameterValue, 'End the unlock session `agentcred unlock` started')
            [CompletionResult]::new('identity', 'identity', [CompletionResultType]::ParameterValue, 'The admin identity')
            [CompletionResult]::new('recipients', 'recipients', [CompletionResultType]::ParameterValue, 'Extra age recipients the vault state is encrypted to (team members, CI)')
            [CompletionResult]::new('agent', 'agent', [CompletionResultType]::ParameterValue, 'Register and manage agents')
            [CompletionResult]::new('secret', 'secret', [CompletionResultType]::ParameterValue, 'Store and manage upstream secrets (values never on the command line)')
            [CompletionResult]::new('grant', 'grant', [CompletionResultType]::ParameterValue, 'Grant an agent a secret with a scope; `grant list`, `grant revoke GRANT_ID`')
            [CompletionResult]::new('key', 'key', [CompletionResultType]::ParameterValue, 'Issue, list and revoke agent keys (what a CI step holds instead of the master key)')
            [CompletionResult]::new('mint', 'mint', [CompletionResultType]::ParameterValue, 'Mint a short-lived credential for an agent')
            [CompletionResult]::new('verify', 'verify', [CompletionResultType]::ParameterValue, 'Verify a credential token offline (exit 0 allowed, 3 denied, 65 malformed or forged)')
            [CompletionResult]::new('present', 'present', [CompletionResultType]::ParameterValue, 'Present a token as its holder: append a fresh proof that you hold the holder''s key')
            [CompletionResult]::new('creds', 'creds', [CompletionResultType]::ParameterValue, 'List and revoke credentials')
            [CompletionResult]::new('exec', 'exec', [CompletionResultType]::ParameterValue, 'Run a program with an agent''s short-lived credential in its environment')
            [CompletionResult]::new('broker', 'broker', [CompletionResultType]::ParameterValue, 'Run a broker on its own, for a program started elsewhere (a container, an IDE)')
            [CompletionResult]::new('mcp', 'mcp', [CompletionResultType]::ParameterValue, 'An MCP server over stdio: HTTP requests with brokered secrets, for agent harnesses')
            [CompletionResult]::new('delegate', 'delegate', [CompletionResultType]::ParameterValue, 'Hand another agent a narrower part of an agent''s rights, as a signed token')
            [CompletionResult]::new('rotate', 'rotate', [CompletionResultType]::ParameterValue, 'What is due for rotation (`rotate --due`), and rotating it (`--apply`)')
            [CompletionResult]::new('audit', 'audit', [CompletionResultType]::ParameterValue, 'Query, verify and watch the tamper-evident audit log')
            [CompletionResult]::new('export-policy', 'export-policy', [CompletionResultType]::ParameterValue, 'Write the vault''s policy (agents, limits, secrets'' metadata, grants) as a TOML file')
            [CompletionResult]::new('plan', 'plan', [CompletionResultType]::ParameterValue, 'Show what applying a policy file would change (exit 0 none, 2 changes, 65 invalid file)')
            [CompletionResult]::new('apply', 'apply', [CompletionResultType]::ParameterValue, 'Make the vault''s policy that of a file (or of a saved plan), in one commit')
            [CompletionResult]::new('policy', 'policy', [CompletionResultType]::ParameterValue, 'The policy file''s JSON Schema, and checking a file without a vault')
            [CompletionResult]::new('git-credential', 'git-credential', [CompletionResultType]::ParameterValue, 'git''s credential helper: each request answered with a freshly minted, audited credential')
            [CompletionResult]::new('aws-credential-process', 'aws-credential-process', [CompletionResultType]::ParameterValue, 'AWS credential_process: a key pair from a secret, with the credential''s expiry')
            [CompletionResult]::new('docker-credential', 'docker-credential', [CompletionResultType]::ParameterValue, 'docker''s credential helper (also run as docker-credential-agentcred)')
            [CompletionResult]::new('kube-credential', 'kube-credential', [CompletionResultType]::ParameterValue, 'kubectl''s exec credential plugin: a bearer token as an ExecCredential')
            [CompletionResult]::new('demo', 'demo', [CompletionResultType]::ParameterValue, 'A walk-through of everything, in a throwaway vault that is removed afterwards')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'agentcred;init' {
            [CompletionResult]::new('--recipient', '--recipient', [CompletionResultType]::ParameterName, 'Also encrypt the vault to this age recipient (repeatable)')
            [CompletionResult]::new('--identity-out', '--identity-out', [CompletionResultType]::ParameterName, 'Where to write the generated identity (created 0600; must not exist)')
            [CompletionResult]::new('--kdf-memory-kib', '--kdf-memory-kib', [CompletionResultType]::ParameterName, 'Argon2id memory in KiB [default: 65536]')
            [CompletionResult]::new('--kdf-iterations', '--kdf-iterations', [CompletionResultType]::ParameterName, 'Argon2id iterations [default: 3]')
            [CompletionResult]::new('--kdf-parallelism', '--kdf-parallelism', [CompletionResultType]::ParameterName, 'Argon2id parallelism [default: 4]')
            [CompletionResult]::new('--vault', '--vault', [CompletionResultType]::ParameterName, 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour on the terminal (NO_COLOR is honoured)')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Unlock with this age identity file instead of a passphrase')
            [CompletionResult]::new('--key-file', '--key-file', [CompletionResultType]::ParameterName, 'Act as an agent, with the agent key in this file')
            [CompletionResult]::new('--no-passphrase', '--no-passphrase', [CompletionResultType]::ParameterName, 'Use a generated age identity instead of a passphrase (needs --identity-out)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON ("schema": 1) instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never secret values)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never secret values)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'agentcred;status' {
            [CompletionResult]::new('--vault', '--vault', [CompletionResultType]::ParameterName, 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour on the terminal (NO_COLOR is honoured)')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Unlock with this age identity file instead of a passphrase')
            [CompletionResult]::new('--key-file', '--key-file', [CompletionResultType]::ParameterName, 'Act as an agent, with the agent key in this file')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON ("schema": 1) instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never secret values)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never secret values)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'agentcred;unlock' {
            [CompletionResult]::new('--for', '--for', [CompletionResultType]::ParameterName, 'How long the session lasts at most')
            [CompletionResult]::new('--idle', '--idle', [CompletionResultType]::ParameterName, 'End the session after this long without a command using it')
            [CompletionResult]::new('--vault', '--vault', [CompletionResultType]::ParameterName, 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour on the terminal (NO_COLOR is honoured)')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Unlock with this age identity file instead of a passphrase')
            [CompletionResult]::new('--key-file', '--key-file', [CompletionResultType]::ParameterName, 'Act as an agent, with the agent key in this file')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON ("schema": 1) instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never secret values)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never secret values)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'agentcred;lock' {
            [CompletionResult]::new('--vault', '--vault', [CompletionResultType]::ParameterName, 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour on the terminal (NO_COLOR is honoured)')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Unlock with this age identity file instead of a passphrase')
            [CompletionResult]::new('--key-file', '--key-file', [CompletionResultType]::ParameterName, 'Act as an agent, with the agent key in this file')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON ("schema": 1) instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never secret values)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never secret values)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'agentcred;identity' {
            [CompletionResult]::new('--vault', '--vault', [CompletionResultType]::ParameterName, 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour on the terminal (NO_COLOR is honoured)')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Unlock with this age identity file instead of a passphrase')
            [CompletionResult]::new('--key-file', '--key-file', [CompletionResultType]::ParameterName, 'Act as an agent, with the agent key in this file')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON ("schema": 1) instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never secret values)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never secret values)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('export', 'export', [CompletionResultType]::ParameterValue, 'Print the admin age identity (AGE-SECRET-KEY-1…), for recovery with stock age')
            [CompletionResult]::new('rotate-issuer', 'rotate-issuer', [CompletionResultType]::ParameterValue, 'Start signing tokens with a new issuer key; tokens of the old one verify until the overlap ends')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'agentcred;identity;export' {
            [CompletionResult]::new('--out', '--out', [CompletionResultType]::ParameterName, 'Write it to this new file (0600) instead of printing it')
            [CompletionResult]::new('--vault', '--vault', [CompletionResultType]::ParameterName, 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour on the terminal (NO_COLOR is honoured)')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Unlock with this age identity file instead of a passphrase')
            [CompletionResult]::new('--key-file', '--key-file', [CompletionResultType]::ParameterName, 'Act as an agent, with the agent key in this file')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'With --out: replace the file if it exists')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON ("schema": 1) instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never secret values)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never secret values)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'agentcred;identity;rotate-issuer' {
            [CompletionResult]::new('--overlap', '--overlap', [CompletionResultType]::ParameterName, 'How long tokens signed by the old key keep verifying')
            [CompletionResult]::new('--vault', '--vault', [CompletionResultType]::ParameterName, 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour on the terminal (NO_COLOR is honoured)')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Unlock with this age identity file instead of a passphrase')
            [CompletionResult]::new('--key-file', '--key-file', [CompletionResultType]::ParameterName, 'Act as an agent, with the agent key in this file')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON ("schema": 1) instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never secret values)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never secret values)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'agentcred;identity;help' {
            [CompletionResult]::new('export', 'export', [CompletionResultType]::ParameterValue, 'Print the admin age identity (AGE-SECRET-KEY-1…), for recovery with stock age')
            [CompletionResult]::new('rotate-issuer', 'rotate-issuer', [CompletionResultType]::ParameterValue, 'Start signing tokens with a new issuer key; tokens of the old one verify until the overlap ends')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'agentcred;identity;help;export' {
            break
        }
        'agentcred;identity;help;rotate-issuer' {
            break
        }
        'agentcred;identity;help;help' {
            break
        }
        'agentcred;recipients' {
            [CompletionResult]::new('--vault', '--vault', [CompletionResultType]::ParameterName, 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour on the terminal (NO_COLOR is honoured)')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Unlock with this age identity file instead of a passphrase')
            [CompletionResult]::new('--key-file', '--key-file', [CompletionResultType]::ParameterName, 'Act as an agent, with the agent key in this file')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON ("schema": 1) instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never secret values)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never secret values)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the recipients')
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Add a recipient and re-encrypt the vault to it')
            [CompletionResult]::new('remove', 'remove', [CompletionResultType]::ParameterValue, 'Remove a recipient and re-encrypt the vault without it')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'agentcred;recipients;list' {
            [CompletionResult]::new('--vault', '--vault', [CompletionResultType]::ParameterName, 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour on the terminal (NO_COLOR is honoured)')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Unlock with this age identity file instead of a passphrase')
            [CompletionResult]::new('--key-file', '--key-file', [CompletionResultType]::ParameterName, 'Act as an agent, with the agent key in this file')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON ("schema": 1) instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never secret values)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never secret values)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'agentcred;recipients;add' {
            [CompletionResult]::new('--vault', '--vault', [CompletionResultType]::ParameterName, 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour on the terminal (NO_COLOR is honoured)')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Unlock with this age identity file instead of a passphrase')
            [CompletionResult]::new('--key-file', '--key-file', [CompletionResultType]::ParameterName, 'Act as an agent, with the agent key in this file')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON ("schema": 1) instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never secret values)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never secret values)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'agentcred;recipients;remove' {
            [CompletionResult]::new('--vault', '--vault', [CompletionResultType]::ParameterName, 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour on the terminal (NO_COLOR is honoured)')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Unlock with this age identity file instead of a passphrase')
            [CompletionResult]::new('--key-file', '--key-file', [CompletionResultType]::ParameterName, 'Act as an agent, with the agent key in this file')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Do not ask for confirmation')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Do not ask for confirmation')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON ("schema": 1) instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never secret values)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never secret values)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'agentcred;recipients;help' {
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the recipients')
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Add a recipient and re-encrypt the vault to it')
            [CompletionResult]::new('remove', 'remove', [CompletionResultType]::ParameterValue, 'Remove a recipient and re-encrypt the vault without it')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'agentcred;recipients;help;list' {
            break
        }
        'agentcred;recipients;help;add' {
            break
        }
        'agentcred;recipients;help;remove' {
            break
        }
        'agentcred;recipients;help;help' {
            break
        }
        'agentcred;agent' {
            [CompletionResult]::new('--vault', '--vault', [CompletionResultType]::ParameterName, 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour on the terminal (NO_COLOR is honoured)')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Unlock with this age identity file instead of a passphrase')
            [CompletionResult]::new('--key-file', '--key-file', [CompletionResultType]::ParameterName, 'Act as an agent, with the agent key in this file')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON ("schema": 1) instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never secret values)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never secret values)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Register one or more agents (one write for all)')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List agents')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show one agent')
            [CompletionResult]::new('suspend', 'suspend', [CompletionResultType]::ParameterValue, 'Suspend an agent: it can mint nothing until resumed')
            [CompletionResult]::new('resume', 'resume', [CompletionResultType]::ParameterValue, 'Resume a suspended agent')
            [CompletionResult]::new('remove', 'remove', [CompletionResultType]::ParameterValue, 'Remove an agent and everything granted to it')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'agentcred;agent;add' {
            [CompletionResult]::new('--description', '--description', [CompletionResultType]::ParameterName, 'What the agent is for')
            [CompletionResult]::new('--max-ttl', '--max-ttl', [CompletionResultType]::ParameterName, 'Longest credential this agent may hold, e.g. 1h')
            [CompletionResult]::new('--rate-limit', '--rate-limit', [CompletionResultType]::ParameterName, 'Hard limit on mints and execs, e.g. 60/m')
            [CompletionResult]::new('--vault', '--vault', [CompletionResultType]::ParameterName, 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour on the terminal (NO_COLOR is honoured)')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Unlock with this age identity file instead of a passphrase')
            [CompletionResult]::new('--key-file', '--key-file', [CompletionResultType]::ParameterName, 'Act as an agent, with the agent key in this file')
            [CompletionResult]::new('--suspend-on-anomaly', '--suspend-on-anomaly', [CompletionResultType]::ParameterName, 'Suspend the agent automatically when an anomaly is detected')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON ("schema": 1) instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never secret values)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never secret values)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'agentcred;agent;list' {
            [CompletionResult]::new('--vault', '--vault', [CompletionResultType]::ParameterName, 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour on the terminal (NO_COLOR is honoured)')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Unlock with this age identity file instead of a passphrase')
            [CompletionResult]::new('--key-file', '--key-file', [CompletionResultType]::ParameterName, 'Act as an agent, with the agent key in this file')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON ("schema": 1) instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never secret values)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never secret values)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'agentcred;agent;show' {
            [CompletionResult]::new('--vault', '--vault', [CompletionResultType]::ParameterName, 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour on the terminal (NO_COLOR is honoured)')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Unlock with this age identity file instead of a passphrase')
            [CompletionResult]::new('--key-file', '--key-file', [CompletionResultType]::ParameterName, 'Act as an agent, with the agent key in this file')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON ("schema": 1) instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never secret values)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never secret values)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'agentcred;agent;suspend' {
            [CompletionResult]::new('--vault', '--vault', [CompletionResultType]::ParameterName, 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour on the terminal (NO_COLOR is honoured)')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Unlock with this age identity file instead of a passphrase')
            [CompletionResult]::new('--key-file', '--key-file', [CompletionResultType]::ParameterName, 'Act as an agent, with the agent key in this file')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON ("schema": 1) instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never secret values)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never secret values)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'agentcred;agent;resume' {
            [CompletionResult]::new('--vault', '--vault', [CompletionResultType]::ParameterName, 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour on the terminal (NO_COLOR is honoured)')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Unlock with this age identity file instead of a passphrase')
            [CompletionResult]::new('--key-file', '--key-file', [CompletionResultType]::ParameterName, 'Act as an agent, with the agent key in this file')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON ("schema": 1) instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never secret values)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never secret values)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'agentcred;agent;remove' {
            [CompletionResult]::new('--vault', '--vault', [CompletionResultType]::ParameterName, 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour on the terminal (NO_COLOR is honoured)')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Unlock with this age identity file instead of a passphrase')
            [CompletionResult]::new('--key-file', '--key-file', [CompletionResultType]::ParameterName, 'Act as an agent, with the agent key in this file')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Do not ask for confirmation')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Do not ask for confirmation')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON ("schema": 1) instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never secret values)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never secret values)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'agentcred;agent;help' {
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Register one or more agents (one write for all)')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List agents')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show one agent')
            [CompletionResult]::new('suspend', 'suspend', [CompletionResultType]::ParameterValue, 'Suspend an agent: it can mint nothing until resumed')
            [CompletionResult]::new('resume', 'resume', [CompletionResultType]::ParameterValue, 'Resume a suspended agent')
            [CompletionResult]::new('remove', 'remove', [CompletionResultType]::ParameterValue, 'Remove an agent and everything granted to it')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'agentcred;agent;help;add' {
            break
        }
        'agentcred;agent;help;list' {
            break
        }
        'agentcred;agent;help;show' {
            break
        }
        'agentcred;agent;help;suspend' {
            break
        }
        'agentcred;agent;help;resume' {
            break
        }
        'agentcred;agent;help;remove' {
            break
        }
        'agentcred;agent;help;help' {
            break
        }
        'agentcred;secret' {
            [CompletionResult]::new('--vault', '--vault', [CompletionResultType]::ParameterName, 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour on the terminal (NO_COLOR is honoured)')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Unlock with this age identity file instead of a passphrase')
            [CompletionResult]::new('--key-file', '--key-file', [CompletionResultType]::ParameterName, 'Act as an agent, with the agent key in this file')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON ("schema": 1) instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never secret values)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never secret values)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('set', 'set', [CompletionResultType]::ParameterValue, 'Store a secret, or a new version of it (value from a prompt, stdin, a file, or generated)')
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Add a secret whose value OpenBao provides: a token or a lease per credential, or a KV field')
            [CompletionResult]::new('edit', 'edit', [CompletionResultType]::ParameterValue, 'Change a secret''s metadata: variable, max age, bound hosts, delivery (never the value)')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List secrets (metadata only)')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show a secret''s metadata and versions (never the value)')
            [CompletionResult]::new('remove', 'remove', [CompletionResultType]::ParameterValue, 'Remove a secret and destroy all its versions')
            [CompletionResult]::new('rotate', 'rotate', [CompletionResultType]::ParameterValue, 'Rotate a secret with an overlap window, or stage and finish a rotation')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'agentcred;secret;set' {
            [CompletionResult]::new('--file', '--file', [CompletionResultType]::ParameterName, 'Read the value from a file (one trailing newline is dropped)')
            [CompletionResult]::new('--length', '--length', [CompletionResultType]::ParameterName, 'Length of a generated value')
            [CompletionResult]::new('--max-size', '--max-size', [CompletionResultType]::ParameterName, 'Refuse a value larger than this, read from a file, stdin or the prompt (bytes, or with K/KiB, M/MiB, G/GiB)')
            [CompletionResult]::new('--env', '--env', [CompletionResultType]::ParameterName, 'Environment variable the value is injected as [default: the name, upper-cased]')
            [CompletionResult]::new('--max-age', '--max-age', [CompletionResultType]::ParameterName, 'Flag the secret for rotation after this long [default: 90d]')
            [CompletionResult]::new('--cas', '--cas', [CompletionResultType]::ParameterName, 'Only write if the current version is N (0: only if the secret does not exist yet); otherwise refused with exit 3, changing nothing but recording the denial')
            [CompletionResult]::new('--hosts', '--hosts', [CompletionResultType]::ParameterName, 'The only hosts the value may be sent to: names, *.domain (every name below it), addresses, each with an optional :port, comma separated; replaces the secret''s list')
            [CompletionResult]::new('--delivery', '--delivery', [CompletionResultType]::ParameterName, 'How programs get the value: `env` in their environment, or `broker`, which gives them a placeholder and puts the value only into requests to the bound hosts (needs --hosts)')
            [CompletionResult]::new('--placeholder-prefix', '--placeholder-prefix', [CompletionResultType]::ParameterName, 'Text the placeholder starts with, so that clients checking the format accept it (e.g. sk-); at most 16 of A-Z a-z 0-9 _ -, not secret')
            [CompletionResult]::new('--vault', '--vault', [CompletionResultType]::ParameterName, 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour on the terminal (NO_COLOR is honoured)')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Unlock with this age identity file instead of a passphrase')
            [CompletionResult]::new('--key-file', '--key-file', [CompletionResultType]::ParameterName, 'Act as an agent, with the agent key in this file')
            [CompletionResult]::new('--stdin', '--stdin', [CompletionResultType]::ParameterName, 'Read the value from standard input (one trailing newline is dropped)')
            [CompletionResult]::new('--generate', '--generate', [CompletionResultType]::ParameterName, 'Generate a random value of [A-Za-z0-9]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON ("schema": 1) instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never secret values)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never secret values)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'agentcred;secret;add' {
            [CompletionResult]::new('--policy', '--policy', [CompletionResultType]::ParameterName, 'A policy of the tokens created (repeat for more; at least one)')
            [CompletionResult]::new('--num-uses', '--num-uses', [CompletionResultType]::ParameterName, 'How many requests each token may make (default: no limit)')
            [CompletionResult]::new('--openbao-lease', '--openbao-lease', [CompletionResultType]::ParameterName, 'A fresh lease from this OpenBao path for every credential (e.g. database/creds/readonly)')
            [CompletionResult]::new('--map', '--map', [CompletionResultType]::ParameterName, 'A lease field and the variable it is injected as (repeat; at least one)')
            [CompletionResult]::new('--openbao-kv', '--openbao-kv', [CompletionResultType]::ParameterName, 'A field of a KV version 2 secret, MOUNT/PATH#FIELD (e.g. secret/team/openai#api_key)')
            [CompletionResult]::new('--cache', '--cache', [CompletionResultType]::ParameterName, 'How long a process may reuse a KV value it read [default: 0s, read at every mint]')
            [CompletionResult]::new('--env', '--env', [CompletionResultType]::ParameterName, 'Environment variable the value is injected as [default: the name, upper-cased]')
            [CompletionResult]::new('--max-age', '--max-age', [CompletionResultType]::ParameterName, 'Flag the secret for rotation after this long (a KV secret) [default: 90d]')
            [CompletionResult]::new('--hosts', '--hosts', [CompletionResultType]::ParameterName, 'The only hosts the value may be sent to: names, *.domain (every name below it), addresses, each with an optional :port, comma separated; replaces the secret''s list')
            [CompletionResult]::new('--delivery', '--delivery', [CompletionResultType]::ParameterName, 'How programs get the value: `env` in their environment, or `broker`, which gives them a placeholder and puts the value only into requests to the bound hosts (needs --hosts)')
            [CompletionResult]::new('--placeholder-prefix', '--placeholder-prefix', [CompletionResultType]::ParameterName, 'Text the placeholder starts with, so that clients checking the format accept it (e.g. sk-); at most 16 of A-Z a-z 0-9 _ -, not secret')
            [CompletionResult]::new('--vault', '--vault', [CompletionResultType]::ParameterName, 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour on the terminal (NO_COLOR is honoured)')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Unlock with this age identity file instead of a passphrase')
            [CompletionResult]::new('--key-file', '--key-file', [CompletionResultType]::ParameterName, 'Act as an agent, with the agent key in this file')
            [CompletionResult]::new('--openbao-token', '--openbao-token', [CompletionResultType]::ParameterName, 'A new OpenBao token for every credential')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON ("schema": 1) instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never secret values)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never secret values)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'agentcred;secret;edit' {
            [CompletionResult]::new('--env', '--env', [CompletionResultType]::ParameterName, 'Environment variable the value is injected as')
            [CompletionResult]::new('--max-age', '--max-age', [CompletionResultType]::ParameterName, 'Flag the secret for rotation after this long')
            [CompletionResult]::new('--hosts', '--hosts', [CompletionResultType]::ParameterName, 'The only hosts the value may be sent to: names, *.domain (every name below it), addresses, each with an optional :port, comma separated; replaces the secret''s list')
            [CompletionResult]::new('--delivery', '--delivery', [CompletionResultType]::ParameterName, 'How programs get the value: `env` in their environment, or `broker`, which gives them a placeholder and puts the value only into requests to the bound hosts (needs --hosts)')
            [CompletionResult]::new('--placeholder-prefix', '--placeholder-prefix', [CompletionResultType]::ParameterName, 'Text the placeholder starts with, so that clients checking the format accept it (e.g. sk-); at most 16 of A-Z a-z 0-9 _ -, not secret')
            [CompletionResult]::new('--vault', '--vault', [CompletionResultType]::ParameterName, 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour on the terminal (NO_COLOR is honoured)')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Unlock with this age identity file instead of a passphrase')
            [CompletionResult]::new('--key-file', '--key-file', [CompletionResultType]::ParameterName, 'Act as an agent, with the agent key in this file')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON ("schema": 1) instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never secret values)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never secret values)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'agentcred;secret;list' {
            [CompletionResult]::new('--vault', '--vault', [CompletionResultType]::ParameterName, 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour on the terminal (NO_COLOR is honoured)')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Unlock with this age identity file instead of a passphrase')
            [CompletionResult]::new('--key-file', '--key-file', [CompletionResultType]::ParameterName, 'Act as an agent, with the agent key in this file')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON ("schema": 1) instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never secret values)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never secret values)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'agentcred;secret;show' {
            [CompletionResult]::new('--vault', '--vault', [CompletionResultType]::ParameterName, 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour on the terminal (NO_COLOR is honoured)')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Unlock with this age identity file instead of a passphrase')
            [CompletionResult]::new('--key-file', '--key-file', [CompletionResultType]::ParameterName, 'Act as an agent, with the agent key in this file')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON ("schema": 1) instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never secret values)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never secret values)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'agentcred;secret;remove' {
            [CompletionResult]::new('--vault', '--vault', [CompletionResultType]::ParameterName, 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour on the terminal (NO_COLOR is honoured)')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Unlock with this age identity file instead of a passphrase')
            [CompletionResult]::new('--key-file', '--key-file', [CompletionResultType]::ParameterName, 'Act as an agent, with the agent key in this file')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Do not ask for confirmation')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Do not ask for confirmation')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON ("schema": 1) instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never secret values)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never secret values)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'agentcred;secret;rotate' {
            [CompletionResult]::new('--file', '--file', [CompletionResultType]::ParameterName, 'Read the value from a file (one trailing newline is dropped)')
            [CompletionResult]::new('--length', '--length', [CompletionResultType]::ParameterName, 'Length of a generated value')
            [CompletionResult]::new('--max-size', '--max-size', [CompletionResultType]::ParameterName, 'Refuse a value larger than this, read from a file, stdin or the prompt (bytes, or with K/KiB, M/MiB, G/GiB)')
            [CompletionResult]::new('--overlap', '--overlap', [CompletionResultType]::ParameterName, 'How long the old version stays valid after the new one takes over')
            [CompletionResult]::new('--vault', '--vault', [CompletionResultType]::ParameterName, 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour on the terminal (NO_COLOR is honoured)')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Unlock with this age identity file instead of a passphrase')
            [CompletionResult]::new('--key-file', '--key-file', [CompletionResultType]::ParameterName, 'Act as an agent, with the agent key in this file')
            [CompletionResult]::new('--stdin', '--stdin', [CompletionResultType]::ParameterName, 'Read the value from standard input (one trailing newline is dropped)')
            [CompletionResult]::new('--generate', '--generate', [CompletionResultType]::ParameterName, 'Generate a random value of [A-Za-z0-9]')
            [CompletionResult]::new('--stage', '--stage', [CompletionResultType]::ParameterName, 'Store the new value as PENDING, not served until --finish')
            [CompletionResult]::new('--finish', '--finish', [CompletionResultType]::ParameterName, 'Promote the PENDING version to CURRENT')
            [CompletionResult]::new('--cancel', '--cancel', [CompletionResultType]::ParameterName, 'Drop the PENDING version')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON ("schema": 1) instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never secret values)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never secret values)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'agentcred;secret;help' {
            [CompletionResult]::new('set', 'set', [CompletionResultType]::ParameterValue, 'Store a secret, or a new version of it (value from a prompt, stdin, a file, or generated)')
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Add a secret whose value OpenBao provides: a token or a lease per credential, or a KV field')
            [CompletionResult]::new('edit', 'edit', [CompletionResultType]::ParameterValue, 'Change a secret''s metadata: variable, max age, bound hosts, delivery (never the value)')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List secrets (metadata only)')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show a secret''s metadata and versions (never the value)')
            [CompletionResult]::new('remove', 'remove', [CompletionResultType]::ParameterValue, 'Remove a secret and destroy all its versions')
            [CompletionResult]::new('rotate', 'rotate', [CompletionResultType]::ParameterValue, 'Rotate a secret with an overlap window, or stage and finish a rotation')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'agentcred;secret;help;set' {
            break
        }
        'agentcred;secret;help;add' {
            break
        }
        'agentcred;secret;help;edit' {
            break
        }
        'agentcred;secret;help;list' {
            break
        }
        'agentcred;secret;help;show' {
            break
        }
        'agentcred;secret;help;remove' {
            break
        }
        'agentcred;secret;help;rotate' {
            break
        }
        'agentcred;secret;help;help' {
            break
        }
        'agentcred;grant' {
            [CompletionResult]::new('--actions', '--actions', [CompletionResultType]::ParameterName, 'Allowed (or, with --deny, denied) actions, comma separated [default: read]')
            [CompletionResult]::new('--resources', '--resources', [CompletionResultType]::ParameterName, 'Resources: names, or prefixes ending in * [default: *]')
            [CompletionResult]::new('--max-ttl', '--max-ttl', [CompletionResultType]::ParameterName, 'Longest credential this grant allows, e.g. 15m')
            [CompletionResult]::new('--env', '--env', [CompletionResultType]::ParameterName, 'Inject the secret under this variable for this agent [default: the secret''s]')
            [CompletionResult]::new('--hosts', '--hosts', [CompletionResultType]::ParameterName, 'Narrow where the value may be sent to these hosts (name, *.domain, optional :port), comma separated; each must lie within the secret''s --hosts [default: the secret''s]')
            [CompletionResult]::new('--methods', '--methods', [CompletionResultType]::ParameterName, 'Allow only these HTTP methods with the value, comma separated [default: any]')
            [CompletionResult]::new('--paths', '--paths', [CompletionResultType]::ParameterName, 'Allow only these paths with the value: exact, * for one segment, a final /* for the subtree (/v1/*), comma separated [default: any]')
            [CompletionResult]::new('--vault', '--vault', [CompletionResultType]::ParameterName, 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour on the terminal (NO_COLOR is honoured)')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Unlock with this age identity file instead of a passphrase')
            [CompletionResult]::new('--key-file', '--key-file', [CompletionResultType]::ParameterName, 'Act as an agent, with the agent key in this file')
            [CompletionResult]::new('--deny', '--deny', [CompletionResultType]::ParameterName, 'Make this an explicit deny, which beats every allow')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON ("schema": 1) instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never secret values)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never secret values)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List grants')
            [CompletionResult]::new('revoke', 'revoke', [CompletionResultType]::ParameterValue, 'Revoke a grant (credentials minted under it are revoked too)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'agentcred;grant;list' {
            [CompletionResult]::new('--agent', '--agent', [CompletionResultType]::ParameterName, 'Only this agent''s grants')
            [CompletionResult]::new('--vault', '--vault', [CompletionResultType]::ParameterName, 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour on the terminal (NO_COLOR is honoured)')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Unlock with this age identity file instead of a passphrase')
            [CompletionResult]::new('--key-file', '--key-file', [CompletionResultType]::ParameterName, 'Act as an agent, with the agent key in this file')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON ("schema": 1) instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never secret values)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never secret values)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'agentcred;grant;revoke' {
            [CompletionResult]::new('--vault', '--vault', [CompletionResultType]::ParameterName, 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour on the terminal (NO_COLOR is honoured)')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Unlock with this age identity file instead of a passphrase')
            [CompletionResult]::new('--key-file', '--key-file', [CompletionResultType]::ParameterName, 'Act as an agent, with the agent key in this file')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON ("schema": 1) instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never secret values)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never secret values)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'agentcred;grant;help' {
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List grants')
            [CompletionResult]::new('revoke', 'revoke', [CompletionResultType]::ParameterValue, 'Revoke a grant (credentials minted under it are revoked too)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'agentcred;grant;help;list' {
            break
        }
        'agentcred;grant;help;revoke' {
            break
        }
        'agentcred;grant;help;help' {
            break
        }
        'agentcred;key' {
            [CompletionResult]::new('--vault', '--vault', [CompletionResultType]::ParameterName, 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour on the terminal (NO_COLOR is honoured)')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Unlock with this age identity file instead of a passphrase')
            [CompletionResult]::new('--key-file', '--key-file', [CompletionResultType]::ParameterName, 'Act as an agent, with the agent key in this file')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON ("schema": 1) instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never secret values)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never secret values)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('issue', 'issue', [CompletionResultType]::ParameterValue, 'Issue a key for an agent; it is printed once (or written to --out, 0600)')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List keys (public data only)')
            [CompletionResult]::new('revoke', 'revoke', [CompletionResultType]::ParameterValue, 'Revoke a key now; credentials it minted are revoked too')
            [CompletionResult]::new('rotate', 'rotate', [CompletionResultType]::ParameterValue, 'Issue a new key for an agent; its current keys keep working until the overlap ends')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'agentcred;key;issue' {
            [CompletionResult]::new('--expires', '--expires', [CompletionResultType]::ParameterName, 'How long the key works')
            [CompletionResult]::new('--out', '--out', [CompletionResultType]::ParameterName, 'Write it to this new file (0600) instead of printing it')
            [CompletionResult]::new('--vault', '--vault', [CompletionResultType]::ParameterName, 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour on the terminal (NO_COLOR is honoured)')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Unlock with this age identity file instead of a passphrase')
            [CompletionResult]::new('--key-file', '--key-file', [CompletionResultType]::ParameterName, 'Act as an agent, with the agent key in this file')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'With --out: replace the file if it exists')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON ("schema": 1) instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never secret values)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never secret values)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'agentcred;key;list' {
            [CompletionResult]::new('--vault', '--vault', [CompletionResultType]::ParameterName, 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour on the terminal (NO_COLOR is honoured)')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Unlock with this age identity file instead of a passphrase')
            [CompletionResult]::new('--key-file', '--key-file', [CompletionResultType]::ParameterName, 'Act as an agent, with the agent key in this file')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON ("schema": 1) instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never secret values)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never secret values)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'agentcred;key;revoke' {
            [CompletionResult]::new('--vault', '--vault', [CompletionResultType]::ParameterName, 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour on the terminal (NO_COLOR is honoured)')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Unlock with this age identity file instead of a passphrase')
            [CompletionResult]::new('--key-file', '--key-file', [CompletionResultType]::ParameterName, 'Act as an agent, with the agent key in this file')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON ("schema": 1) instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never secret values)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never secret values)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'agentcred;key;rotate' {
            [CompletionResult]::new('--overlap', '--overlap', [CompletionResultType]::ParameterName, 'How long the current keys keep working')
            [CompletionResult]::new('--expires', '--expires', [CompletionResultType]::ParameterName, 'How long the new key works')
            [CompletionResult]::new('--out', '--out', [CompletionResultType]::ParameterName, 'Write it to this new file (0600) instead of printing it')
            [CompletionResult]::new('--vault', '--vault', [CompletionResultType]::ParameterName, 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour on the terminal (NO_COLOR is honoured)')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Unlock with this age identity file instead of a passphrase')
            [CompletionResult]::new('--key-file', '--key-file', [CompletionResultType]::ParameterName, 'Act as an agent, with the agent key in this file')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'With --out: replace the file if it exists')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON ("schema": 1) instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never secret values)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never secret values)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'agentcred;key;help' {
            [CompletionResult]::new('issue', 'issue', [CompletionResultType]::ParameterValue, 'Issue a key for an agent; it is printed once (or written to --out, 0600)')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List keys (public data only)')
            [CompletionResult]::new('revoke', 'revoke', [CompletionResultType]::ParameterValue, 'Revoke a key now; credentials it minted are revoked too')
            [CompletionResult]::new('rotate', 'rotate', [CompletionResultType]::ParameterValue, 'Issue a new key for an agent; its current keys keep working until the overlap ends')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'agentcred;key;help;issue' {
            break
        }
        'agentcred;key;help;list' {
            break
        }
        'agentcred;key;help;revoke' {
            break
        }
        'agentcred;key;help;rotate' {
            break
        }
        'agentcred;key;help;help' {
            break
        }
        'agentcred;mint' {
            [CompletionResult]::new('--agent', '--agent', [CompletionResultType]::ParameterName, 'The agent (required for the admin; with an agent key, defaults to the key''s agent)')
            [CompletionResult]::new('--secret', '--secret', [CompletionResultType]::ParameterName, 'Only these secrets (repeatable) [default: every granted secret]')
            [CompletionResult]::new('--ttl', '--ttl', [CompletionResultType]::ParameterName, 'Credential lifetime, e.g. 10m [default: 15m; nested exec: the parent''s remaining time]')
            [CompletionResult]::new('--actions', '--actions', [CompletionResultType]::ParameterName, 'Narrow the credential to these actions, comma separated')
            [CompletionResult]::new('--resources', '--resources', [CompletionResultType]::ParameterName, 'Narrow the credential to these resources, comma separated')
            [CompletionResult]::new('--secret-version', '--secret-version', [CompletionResultType]::ParameterName, 'Which version of the secrets to serve')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--out', '--out', [CompletionResultType]::ParameterName, 'Write it to this new file (0600) instead of printing it')
            [CompletionResult]::new('--vault', '--vault', [CompletionResultType]::ParameterName, 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour on the terminal (NO_COLOR is honoured)')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Unlock with this age identity file instead of a passphrase')
            [CompletionResult]::new('--key-file', '--key-file', [CompletionResultType]::ParameterName, 'Act as an agent, with the agent key in this file')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'With --out: replace the file if it exists')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON ("schema": 1) instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never secret values)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never secret values)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'agentcred;verify' {
            [CompletionResult]::new('--as', '--as', [CompletionResultType]::ParameterName, 'The agent presenting the token: it must be its holder, the last agent it was delegated to (--json says whether that agent also signed it, as `exec --on-behalf-of` does)')
            [CompletionResult]::new('--action', '--action', [CompletionResultType]::ParameterName, 'The action requested')
            [CompletionResult]::new('--resource', '--resource', [CompletionResultType]::ParameterName, 'The resource requested')
            [CompletionResult]::new('--vault-id', '--vault-id', [CompletionResultType]::ParameterName, 'The vault id this verifier trusts: the vault''s issuer keys must chain back to it (without it, the id in vault.toml is trusted)')
            [CompletionResult]::new('--issuer-key', '--issuer-key', [CompletionResultType]::ParameterName, 'An issuer key this verifier knows is on the vault''s chain (the newest when it was pinned): a chain without it, cut short or forked from an older, perhaps leaked, key, is refused')
            [CompletionResult]::new('--challenge', '--challenge', [CompletionResultType]::ParameterName, 'With --as: the challenge the holder''s proof must name (see `agentcred present`)')
            [CompletionResult]::new('--vault', '--vault', [CompletionResultType]::ParameterName, 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour on the terminal (NO_COLOR is honoured)')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Unlock with this age identity file instead of a passphrase')
            [CompletionResult]::new('--key-file', '--key-file', [CompletionResultType]::ParameterName, 'Act as an agent, with the agent key in this file')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON ("schema": 1) instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never secret values)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never secret values)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'agentcred;present' {
            [CompletionResult]::new('--token', '--token', [CompletionResultType]::ParameterName, 'The token, or - to read it from stdin [default: $AGENTCRED_TOKEN, else stdin]')
            [CompletionResult]::new('--agent', '--agent', [CompletionResultType]::ParameterName, 'The holding agent (with the admin unlock; with an agent key, the key''s agent)')
            [CompletionResult]::new('--challenge', '--challenge', [CompletionResultType]::ParameterName, 'A challenge the verifier gave, included in the proof')
            [CompletionResult]::new('--vault', '--vault', [CompletionResultType]::ParameterName, 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour on the terminal (NO_COLOR is honoured)')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Unlock with this age identity file instead of a passphrase')
            [CompletionResult]::new('--key-file', '--key-file', [CompletionResultType]::ParameterName, 'Act as an agent, with the agent key in this file')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON ("schema": 1) instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never secret values)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never secret values)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'agentcred;creds' {
            [CompletionResult]::new('--vault', '--vault', [CompletionResultType]::ParameterName, 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour on the terminal (NO_COLOR is honoured)')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Unlock with this age identity file instead of a passphrase')
            [CompletionResult]::new('--key-file', '--key-file', [CompletionResultType]::ParameterName, 'Act as an agent, with the agent key in this file')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON ("schema": 1) instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never secret values)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never secret values)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List credentials (metadata only)')
            [CompletionResult]::new('revoke', 'revoke', [CompletionResultType]::ParameterValue, 'Revoke one credential (and everything derived from it), or all of an agent''s')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'agentcred;creds;list' {
            [CompletionResult]::new('--agent', '--agent', [CompletionResultType]::ParameterName, 'Only this agent''s credentials')
            [CompletionResult]::new('--vault', '--vault', [CompletionResultType]::ParameterName, 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour on the terminal (NO_COLOR is honoured)')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Unlock with this age identity file instead of a passphrase')
            [CompletionResult]::new('--key-file', '--key-file', [CompletionResultType]::ParameterName, 'Act as an agent, with the agent key in this file')
            [CompletionResult]::new('--active', '--active', [CompletionResultType]::ParameterName, 'Only credentials that are neither expired nor revoked')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON ("schema": 1) instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never secret values)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never secret values)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'agentcred;creds;revoke' {
            [CompletionResult]::new('--agent', '--agent', [CompletionResultType]::ParameterName, 'Revoke every credential of this agent')
            [CompletionResult]::new('--vault', '--vault', [CompletionResultType]::ParameterName, 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour on the terminal (NO_COLOR is honoured)')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Unlock with this age identity file instead of a passphrase')
            [CompletionResult]::new('--key-file', '--key-file', [CompletionResultType]::ParameterName, 'Act as an agent, with the agent key in this file')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON ("schema": 1) instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never secret values)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never secret values)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'agentcred;creds;help' {
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List credentials (metadata only)')
            [CompletionResult]::new('revoke', 'revoke', [CompletionResultType]::ParameterValue, 'Revoke one credential (and everything derived from it), or all of an agent''s')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'agentcred;creds;help;list' {
            break
        }
        'agentcred;creds;help;revoke' {
            break
        }
        'agentcred;creds;help;help' {
            break
        }
        'agentcred;exec' {
            [CompletionResult]::new('--agent', '--agent', [CompletionResultType]::ParameterName, 'The agent (required for the admin; with an agent key, defaults to the key''s agent)')
            [CompletionResult]::new('--secret', '--secret', [CompletionResultType]::ParameterName, 'Only these secrets (repeatable) [default: every granted secret]')
            [CompletionResult]::new('--ttl', '--ttl', [CompletionResultType]::ParameterName, 'Credential lifetime, e.g. 10m [default: 15m; nested exec: the parent''s remaining time]')
            [CompletionResult]::new('--actions', '--actions', [CompletionResultType]::ParameterName, 'Narrow the credential to these actions, comma separated')
            [CompletionResult]::new('--resources', '--resources', [CompletionResultType]::ParameterName, 'Narrow the credential to these resources, comma separated')
            [CompletionResult]::new('--on-expiry', '--on-expiry', [CompletionResultType]::ParameterName, 'What happens when the credential expires')
            [CompletionResult]::new('--on-behalf-of', '--on-behalf-of', [CompletionResultType]::ParameterName, 'Act on a token another agent delegated to this one (`-`: read it from stdin). The program gets only what the token delegates and this agent is granted, for no longer than the token lives')
            [CompletionResult]::new('--sandbox', '--sandbox', [CompletionResultType]::ParameterName, '`required`: where the kernel cannot set the sandbox up, refuse to run (exit 125) rather than run the program without it [default: auto, or `[exec] sandbox` in the vault''s config.toml]')
            [CompletionResult]::new('--egress', '--egress', [CompletionResultType]::ParameterName, 'With the broker: `bound` refuses connections to hosts no injected secret is bound to, `open` tunnels them untouched [default: open, or `[broker] egress` in config.toml]')
            [CompletionResult]::new('--upstream-ca', '--upstream-ca', [CompletionResultType]::ParameterName, 'With the broker: also trust the CA certificates of this PEM file for upstreams (a private or test CA) [default: `[broker] upstream_ca` in config.toml]')
            [CompletionResult]::new('--vault', '--vault', [CompletionResultType]::ParameterName, 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour on the terminal (NO_COLOR is honoured)')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Unlock with this age identity file instead of a passphrase')
            [CompletionResult]::new('--key-file', '--key-file', [CompletionResultType]::ParameterName, 'Act as an agent, with the agent key in this file')
            [CompletionResult]::new('--clean-env', '--clean-env', [CompletionResultType]::ParameterName, 'Pass only PATH, HOME, USER, LANG, LC_*, TERM, TZ, TMPDIR, SHELL from this environment')
            [CompletionResult]::new('--mask', '--mask', [CompletionResultType]::ParameterName, 'Replace injected values (and their base64 and URL-encoded forms) in the program''s output')
            [CompletionResult]::new('--replace', '--replace', [CompletionResultType]::ParameterName, 'Exec in place (same PID): no supervision, no end entry, no expiry enforcement')
            [CompletionResult]::new('--no-sandbox', '--no-sandbox', [CompletionResultType]::ParameterName, 'Run the program outside the sandbox: it can then reach the vault directory and the key file. Recorded as a warning in the exec.start audit entry')
            [CompletionResult]::new('--broker', '--broker', [CompletionResultType]::ParameterName, 'Run the program behind a broker of its own: brokered secrets reach it as placeholders the broker swaps for the values in requests to their bound hosts (implied when a granted secret has delivery broker)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON ("schema": 1) instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never secret values)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never secret values)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'agentcred;broker' {
            [CompletionResult]::new('--agent', '--agent', [CompletionResultType]::ParameterName, 'The agent (required for the admin; with an agent key, defaults to the key''s agent)')
            [CompletionResult]::new('--secret', '--secret', [CompletionResultType]::ParameterName, 'Only these secrets (repeatable) [default: every granted secret]')
            [CompletionResult]::new('--ttl', '--ttl', [CompletionResultType]::ParameterName, 'Credential lifetime, e.g. 10m [default: 15m; nested exec: the parent''s remaining time]')
            [CompletionResult]::new('--actions', '--actions', [CompletionResultType]::ParameterName, 'Narrow the credential to these actions, comma separated')
            [CompletionResult]::new('--resources', '--resources', [CompletionResultType]::ParameterName, 'Narrow the credential to these resources, comma separated')
            [CompletionResult]::new('--listen', '--listen', [CompletionResultType]::ParameterName, 'Where the proxy listens (loopback only; port 0: any free port)')
            [CompletionResult]::new('--egress', '--egress', [CompletionResultType]::ParameterName, '`bound` refuses connections to hosts no secret is bound to, `open` tunnels them untouched [default: open, or `[broker] egress` in config.toml]')
            [CompletionResult]::new('--upstream-ca', '--upstream-ca', [CompletionResultType]::ParameterName, 'Also trust the CA certificates of this PEM file for upstreams [default: `[broker] upstream_ca` in config.toml]')
            [CompletionResult]::new('--env-file', '--env-file', [CompletionResultType]::ParameterName, 'Write the program''s environment to this dotenv file (created 0600) instead of stdout')
            [CompletionResult]::new('--vault', '--vault', [CompletionResultType]::ParameterName, 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour on the terminal (NO_COLOR is honoured)')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Unlock with this age identity file instead of a passphrase')
            [CompletionResult]::new('--key-file', '--key-file', [CompletionResultType]::ParameterName, 'Act as an agent, with the agent key in this file')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Replace an existing --env-file')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON ("schema": 1) instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never secret values)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never secret values)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'agentcred;mcp' {
            [CompletionResult]::new('--agent', '--agent', [CompletionResultType]::ParameterName, 'The agent (required for the admin; with an agent key, defaults to the key''s agent)')
            [CompletionResult]::new('--secret', '--secret', [CompletionResultType]::ParameterName, 'Only these secrets (repeatable) [default: every granted secret]')
            [CompletionResult]::new('--ttl', '--ttl', [CompletionResultType]::ParameterName, 'Credential lifetime, e.g. 10m [default: 15m; nested exec: the parent''s remaining time]')
            [CompletionResult]::new('--actions', '--actions', [CompletionResultType]::ParameterName, 'Narrow the credential to these actions, comma separated')
            [CompletionResult]::new('--resources', '--resources', [CompletionResultType]::ParameterName, 'Narrow the credential to these resources, comma separated')
            [CompletionResult]::new('--egress', '--egress', [CompletionResultType]::ParameterName, '`bound` refuses requests to hosts no secret is bound to, `open` lets them through untouched [default: open, or `[broker] egress` in config.toml]')
            [CompletionResult]::new('--upstream-ca', '--upstream-ca', [CompletionResultType]::ParameterName, 'Also trust the CA certificates of this PEM file for upstreams [default: `[broker] upstream_ca` in config.toml]')
            [CompletionResult]::new('--vault', '--vault', [CompletionResultType]::ParameterName, 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour on the terminal (NO_COLOR is honoured)')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Unlock with this age identity file instead of a passphrase')
            [CompletionResult]::new('--key-file', '--key-file', [CompletionResultType]::ParameterName, 'Act as an agent, with the agent key in this file')
            [CompletionResult]::new('--once', '--once', [CompletionResultType]::ParameterName, 'Never renew the credential: after its expiry every call is refused')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON ("schema": 1) instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never secret values)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never secret values)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'agentcred;delegate' {
            [CompletionResult]::new('--to', '--to', [CompletionResultType]::ParameterName, 'The agent receiving the delegation')
            [CompletionResult]::new('--actions', '--actions', [CompletionResultType]::ParameterName, 'Delegate only these actions, comma separated or repeated [default: every action the parent allows]')
            [CompletionResult]::new('--resources', '--resources', [CompletionResultType]::ParameterName, 'Delegate only these resources, exact names, comma separated or repeated [default: every resource the parent allows]')
            [CompletionResult]::new('--ttl', '--ttl', [CompletionResultType]::ParameterName, 'How long the delegation lasts [default: as long as its parent]')
            [CompletionResult]::new('--task', '--task', [CompletionResultType]::ParameterName, 'What the delegation is for, recorded in the token and on the audit log')
            [CompletionResult]::new('--token', '--token', [CompletionResultType]::ParameterName, 'Delegate from this token (`-`: read it from stdin) instead of a fresh credential')
            [CompletionResult]::new('--agent', '--agent', [CompletionResultType]::ParameterName, 'The delegating agent (with the admin unlock)')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'How to print the delegated token')
            [CompletionResult]::new('--vault', '--vault', [CompletionResultType]::ParameterName, 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour on the terminal (NO_COLOR is honoured)')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Unlock with this age identity file instead of a passphrase')
            [CompletionResult]::new('--key-file', '--key-file', [CompletionResultType]::ParameterName, 'Act as an agent, with the agent key in this file')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON ("schema": 1) instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never secret values)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never secret values)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'agentcred;rotate' {
            [CompletionResult]::new('--overlap', '--overlap', [CompletionResultType]::ParameterName, 'The overlap window for what --apply rotates')
            [CompletionResult]::new('--vault', '--vault', [CompletionResultType]::ParameterName, 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour on the terminal (NO_COLOR is honoured)')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Unlock with this age identity file instead of a passphrase')
            [CompletionResult]::new('--key-file', '--key-file', [CompletionResultType]::ParameterName, 'Act as an agent, with the agent key in this file')
            [CompletionResult]::new('--due', '--due', [CompletionResultType]::ParameterName, 'List what is due: secrets and keys past their max age, keys unused for 45 days, agents with more than one active key outside an overlap')
            [CompletionResult]::new('--apply', '--apply', [CompletionResultType]::ParameterName, 'Rotate what agentcred can: secrets it generated get a new generated value')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON ("schema": 1) instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never secret values)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never secret values)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'agentcred;audit' {
            [CompletionResult]::new('--agent', '--agent', [CompletionResultType]::ParameterName, 'Only entries about this agent')
            [CompletionResult]::new('--action', '--action', [CompletionResultType]::ParameterName, 'Only this action (e.g. cred.mint), or a family ending in * (e.g. ''cred.*'')')
            [CompletionResult]::new('--result', '--result', [CompletionResultType]::ParameterName, 'Only this result')
            [CompletionResult]::new('--since', '--since', [CompletionResultType]::ParameterName, 'Only entries at or after this time: a duration ago (1h, 7d) or RFC 3339')
            [CompletionResult]::new('--until', '--until', [CompletionResultType]::ParameterName, 'Only entries before this time: a duration ago (1h, 7d) or RFC 3339')
            [CompletionResult]::new('--limit', '--limit', [CompletionResultType]::ParameterName, 'Only the last N matching entries [default on a terminal: 100]')
            [CompletionResult]::new('--vault', '--vault', [CompletionResultType]::ParameterName, 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour on the terminal (NO_COLOR is honoured)')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Unlock with this age identity file instead of a passphrase')
            [CompletionResult]::new('--key-file', '--key-file', [CompletionResultType]::ParameterName, 'Act as an agent, with the agent key in this file')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON ("schema": 1) instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never secret values)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never secret values)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List entries, oldest first (a table; JSON Lines under --json)')
            [CompletionResult]::new('verify', 'verify', [CompletionResultType]::ParameterValue, 'Recompute the hash chain and check every checkpoint (exit 65 on any failure)')
            [CompletionResult]::new('checkpoint', 'checkpoint', [CompletionResultType]::ParameterValue, 'Sign a checkpoint of the log''s current size and head, to keep outside the vault')
            [CompletionResult]::new('tail', 'tail', [CompletionResultType]::ParameterValue, 'Print the last entries, and with -f every new one as it is appended')
            [CompletionResult]::new('anomalies', 'anomalies', [CompletionResultType]::ParameterValue, 'Report anomalies: call-rate bursts, failure spikes, denial bursts, first uses, stale keys')
            [CompletionResult]::new('hash', 'hash', [CompletionResultType]::ParameterValue, 'Print the HMAC form of a value, as stored in argv_hmac / params_hmac, to search the log')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'agentcred;audit;list' {
            [CompletionResult]::new('--agent', '--agent', [CompletionResultType]::ParameterName, 'Only entries about this agent')
            [CompletionResult]::new('--action', '--action', [CompletionResultType]::ParameterName, 'Only this action (e.g. cred.mint), or a family ending in * (e.g. ''cred.*'')')
            [CompletionResult]::new('--result', '--result', [CompletionResultType]::ParameterName, 'Only this result')
            [CompletionResult]::new('--since', '--since', [CompletionResultType]::ParameterName, 'Only entries at or after this time: a duration ago (1h, 7d) or RFC 3339')
            [CompletionResult]::new('--until', '--until', [CompletionResultType]::ParameterName, 'Only entries before this time: a duration ago (1h, 7d) or RFC 3339')
            [CompletionResult]::new('--limit', '--limit', [CompletionResultType]::ParameterName, 'Only the last N matching entries [default on a terminal: 100]')
            [CompletionResult]::new('--vault', '--vault', [CompletionResultType]::ParameterName, 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour on the terminal (NO_COLOR is honoured)')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Unlock with this age identity file instead of a passphrase')
            [CompletionResult]::new('--key-file', '--key-file', [CompletionResultType]::ParameterName, 'Act as an agent, with the agent key in this file')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON ("schema": 1) instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never secret values)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never secret values)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'agentcred;audit;verify' {
            [CompletionResult]::new('--checkpoint', '--checkpoint', [CompletionResultType]::ParameterName, 'Also check against a checkpoint kept outside the vault (from `audit checkpoint`; repeatable)')
            [CompletionResult]::new('--witness', '--witness', [CompletionResultType]::ParameterName, 'Also check against the latest checkpoint the witness holds: COMMAND (run with `sh -c`, given the argument `get`), or without a value the `[audit] witness` of config.toml')
            [CompletionResult]::new('--vault', '--vault', [CompletionResultType]::ParameterName, 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour on the terminal (NO_COLOR is honoured)')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Unlock with this age identity file instead of a passphrase')
            [CompletionResult]::new('--key-file', '--key-file', [CompletionResultType]::ParameterName, 'Act as an agent, with the agent key in this file')
            [CompletionResult]::new('--full', '--full', [CompletionResultType]::ParameterName, 'Check every entry''s signature, also those a checkpoint''s signer already checked')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON ("schema": 1) instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never secret values)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never secret values)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'agentcred;audit;checkpoint' {
            [CompletionResult]::new('--vault', '--vault', [CompletionResultType]::ParameterName, 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour on the terminal (NO_COLOR is honoured)')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Unlock with this age identity file instead of a passphrase')
            [CompletionResult]::new('--key-file', '--key-file', [CompletionResultType]::ParameterName, 'Act as an agent, with the agent key in this file')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON ("schema": 1) instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never secret values)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never secret values)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'agentcred;audit;tail' {
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'How many of the last entries to print first')
            [CompletionResult]::new('--lines', '--lines', [CompletionResultType]::ParameterName, 'How many of the last entries to print first')
            [CompletionResult]::new('--vault', '--vault', [CompletionResultType]::ParameterName, 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour on the terminal (NO_COLOR is honoured)')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Unlock with this age identity file instead of a passphrase')
            [CompletionResult]::new('--key-file', '--key-file', [CompletionResultType]::ParameterName, 'Act as an agent, with the agent key in this file')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Keep printing entries as they are appended, by this or any other process')
            [CompletionResult]::new('--follow', '--follow', [CompletionResultType]::ParameterName, 'Keep printing entries as they are appended, by this or any other process')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON ("schema": 1) instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never secret values)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never secret values)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'agentcred;audit;anomalies' {
            [CompletionResult]::new('--since', '--since', [CompletionResultType]::ParameterName, 'Only anomalies at or after this time: a duration ago (24h, 7d) or RFC 3339')
            [CompletionResult]::new('--vault', '--vault', [CompletionResultType]::ParameterName, 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour on the terminal (NO_COLOR is honoured)')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Unlock with this age identity file instead of a passphrase')
            [CompletionResult]::new('--key-file', '--key-file', [CompletionResultType]::ParameterName, 'Act as an agent, with the agent key in this file')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON ("schema": 1) instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never secret values)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never secret values)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'agentcred;audit;hash' {
            [CompletionResult]::new('--vault', '--vault', [CompletionResultType]::ParameterName, 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour on the terminal (NO_COLOR is honoured)')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Unlock with this age identity file instead of a passphrase')
            [CompletionResult]::new('--key-file', '--key-file', [CompletionResultType]::ParameterName, 'Act as an agent, with the agent key in this file')
            [CompletionResult]::new('--stdin', '--stdin', [CompletionResultType]::ParameterName, 'Read the value from stdin (one trailing newline is dropped)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON ("schema": 1) instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never secret values)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never secret values)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'agentcred;audit;help' {
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List entries, oldest first (a table; JSON Lines under --json)')
            [CompletionResult]::new('verify', 'verify', [CompletionResultType]::ParameterValue, 'Recompute the hash chain and check every checkpoint (exit 65 on any failure)')
            [CompletionResult]::new('checkpoint', 'checkpoint', [CompletionResultType]::ParameterValue, 'Sign a checkpoint of the log''s current size and head, to keep outside the vault')
            [CompletionResult]::new('tail', 'tail', [CompletionResultType]::ParameterValue, 'Print the last entries, and with -f every new one as it is appended')
            [CompletionResult]::new('anomalies', 'anomalies', [CompletionResultType]::ParameterValue, 'Report anomalies: call-rate bursts, failure spikes, denial bursts, first uses, stale keys')
            [CompletionResult]::new('hash', 'hash', [CompletionResultType]::ParameterValue, 'Print the HMAC form of a value, as stored in argv_hmac / params_hmac, to search the log')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'agentcred;audit;help;list' {
            break
        }
        'agentcred;audit;help;verify' {
            break
        }
        'agentcred;audit;help;checkpoint' {
            break
        }
        'agentcred;audit;help;tail' {
            break
        }
        'agentcred;audit;help;anomalies' {
            break
        }
        'agentcred;audit;help;hash' {
            break
        }
        'agentcred;audit;help;help' {
            break
        }
        'agentcred;export-policy' {
            [CompletionResult]::new('--out', '--out', [CompletionResultType]::ParameterName, 'Write it to this new file (0600) instead of printing it')
            [CompletionResult]::new('--vault', '--vault', [CompletionResultType]::ParameterName, 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour on the terminal (NO_COLOR is honoured)')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Unlock with this age identity file instead of a passphrase')
            [CompletionResult]::new('--key-file', '--key-file', [CompletionResultType]::ParameterName, 'Act as an agent, with the agent key in this file')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'With --out: replace the file if it exists')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON ("schema": 1) instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never secret values)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never secret values)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'agentcred;plan' {
            [CompletionResult]::new('--out', '--out', [CompletionResultType]::ParameterName, 'Also save the plan to this new file (0600), for `agentcred apply PLAN`')
            [CompletionResult]::new('--vault', '--vault', [CompletionResultType]::ParameterName, 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour on the terminal (NO_COLOR is honoured)')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Unlock with this age identity file instead of a passphrase')
            [CompletionResult]::new('--key-file', '--key-file', [CompletionResultType]::ParameterName, 'Act as an agent, with the agent key in this file')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'With --out: replace the file if it exists')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON ("schema": 1) instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never secret values)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never secret values)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'agentcred;apply' {
            [CompletionResult]::new('--vault', '--vault', [CompletionResultType]::ParameterName, 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour on the terminal (NO_COLOR is honoured)')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Unlock with this age identity file instead of a passphrase')
            [CompletionResult]::new('--key-file', '--key-file', [CompletionResultType]::ParameterName, 'Act as an agent, with the agent key in this file')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Do not ask for confirmation')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Do not ask for confirmation')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON ("schema": 1) instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never secret values)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never secret values)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'agentcred;policy' {
            [CompletionResult]::new('--vault', '--vault', [CompletionResultType]::ParameterName, 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour on the terminal (NO_COLOR is honoured)')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Unlock with this age identity file instead of a passphrase')
            [CompletionResult]::new('--key-file', '--key-file', [CompletionResultType]::ParameterName, 'Act as an agent, with the agent key in this file')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON ("schema": 1) instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never secret values)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never secret values)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('schema', 'schema', [CompletionResultType]::ParameterValue, 'Print the JSON Schema of the policy file, for editors')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Check a policy file without a vault (exit 0 valid, 65 invalid, with line and column)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'agentcred;policy;schema' {
            [CompletionResult]::new('--vault', '--vault', [CompletionResultType]::ParameterName, 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour on the terminal (NO_COLOR is honoured)')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Unlock with this age identity file instead of a passphrase')
            [CompletionResult]::new('--key-file', '--key-file', [CompletionResultType]::ParameterName, 'Act as an agent, with the agent key in this file')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON ("schema": 1) instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never secret values)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never secret values)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'agentcred;policy;check' {
            [CompletionResult]::new('--vault', '--vault', [CompletionResultType]::ParameterName, 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour on the terminal (NO_COLOR is honoured)')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Unlock with this age identity file instead of a passphrase')
            [CompletionResult]::new('--key-file', '--key-file', [CompletionResultType]::ParameterName, 'Act as an agent, with the agent key in this file')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON ("schema": 1) instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never secret values)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never secret values)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'agentcred;policy;help' {
            [CompletionResult]::new('schema', 'schema', [CompletionResultType]::ParameterValue, 'Print the JSON Schema of the policy file, for editors')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Check a policy file without a vault (exit 0 valid, 65 invalid, with line and column)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'agentcred;policy;help;schema' {
            break
        }
        'agentcred;policy;help;check' {
            break
        }
        'agentcred;policy;help;help' {
            break
        }
        'agentcred;git-credential' {
            [CompletionResult]::new('--agent', '--agent', [CompletionResultType]::ParameterName, 'The agent (with an agent key: the key''s agent, the default) [default: $AGENTCRED_AGENT, else `[helpers] agent` in config.toml]')
            [CompletionResult]::new('--ttl', '--ttl', [CompletionResultType]::ParameterName, 'Lifetime of each credential minted, e.g. 1h [default: the agent''s default TTL]')
            [CompletionResult]::new('--secret', '--secret', [CompletionResultType]::ParameterName, 'Serve this secret for every host git asks about (scope the helper to a URL in git''s config) [default: the granted secret bound to the host, else named after it]')
            [CompletionResult]::new('--username', '--username', [CompletionResultType]::ParameterName, 'The user name to answer with [default: the one git sends, else x-access-token]')
            [CompletionResult]::new('--vault', '--vault', [CompletionResultType]::ParameterName, 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour on the terminal (NO_COLOR is honoured)')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Unlock with this age identity file instead of a passphrase')
            [CompletionResult]::new('--key-file', '--key-file', [CompletionResultType]::ParameterName, 'Act as an agent, with the agent key in this file')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON ("schema": 1) instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never secret values)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never secret values)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'agentcred;aws-credential-process' {
            [CompletionResult]::new('--agent', '--agent', [CompletionResultType]::ParameterName, 'The agent (with an agent key: the key''s agent, the default) [default: $AGENTCRED_AGENT, else `[helpers] agent` in config.toml]')
            [CompletionResult]::new('--ttl', '--ttl', [CompletionResultType]::ParameterName, 'Lifetime of each credential minted, e.g. 1h [default: the agent''s default TTL]')
            [CompletionResult]::new('--secret', '--secret', [CompletionResultType]::ParameterName, 'The secret holding the key pair, as JSON: {"AccessKeyId": …, "SecretAccessKey": …, "SessionToken": … (optional)}')
            [CompletionResult]::new('--vault', '--vault', [CompletionResultType]::ParameterName, 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour on the terminal (NO_COLOR is honoured)')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Unlock with this age identity file instead of a passphrase')
            [CompletionResult]::new('--key-file', '--key-file', [CompletionResultType]::ParameterName, 'Act as an agent, with the agent key in this file')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON ("schema": 1) instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never secret values)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never secret values)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'agentcred;docker-credential' {
            [CompletionResult]::new('--agent', '--agent', [CompletionResultType]::ParameterName, 'The agent (with an agent key: the key''s agent, the default) [default: $AGENTCRED_AGENT, else `[helpers] agent` in config.toml]')
            [CompletionResult]::new('--ttl', '--ttl', [CompletionResultType]::ParameterName, 'Lifetime of each credential minted, e.g. 1h [default: the agent''s default TTL]')
            [CompletionResult]::new('--username', '--username', [CompletionResultType]::ParameterName, 'The user name to answer with [default: x-access-token]')
            [CompletionResult]::new('--vault', '--vault', [CompletionResultType]::ParameterName, 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour on the terminal (NO_COLOR is honoured)')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Unlock with this age identity file instead of a passphrase')
            [CompletionResult]::new('--key-file', '--key-file', [CompletionResultType]::ParameterName, 'Act as an agent, with the agent key in this file')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON ("schema": 1) instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never secret values)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never secret values)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'agentcred;kube-credential' {
            [CompletionResult]::new('--agent', '--agent', [CompletionResultType]::ParameterName, 'The agent (with an agent key: the key''s agent, the default) [default: $AGENTCRED_AGENT, else `[helpers] agent` in config.toml]')
            [CompletionResult]::new('--ttl', '--ttl', [CompletionResultType]::ParameterName, 'Lifetime of each credential minted, e.g. 1h [default: the agent''s default TTL]')
            [CompletionResult]::new('--secret', '--secret', [CompletionResultType]::ParameterName, 'The secret holding the bearer token')
            [CompletionResult]::new('--vault', '--vault', [CompletionResultType]::ParameterName, 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour on the terminal (NO_COLOR is honoured)')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Unlock with this age identity file instead of a passphrase')
            [CompletionResult]::new('--key-file', '--key-file', [CompletionResultType]::ParameterName, 'Act as an agent, with the agent key in this file')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON ("schema": 1) instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never secret values)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never secret values)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'agentcred;demo' {
            [CompletionResult]::new('--vault', '--vault', [CompletionResultType]::ParameterName, 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour on the terminal (NO_COLOR is honoured)')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Unlock with this age identity file instead of a passphrase')
            [CompletionResult]::new('--key-file', '--key-file', [CompletionResultType]::ParameterName, 'Act as an agent, with the agent key in this file')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON ("schema": 1) instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never secret values)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never secret values)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'agentcred;completions' {
            [CompletionResult]::new('--vault', '--vault', [CompletionResultType]::ParameterName, 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour on the terminal (NO_COLOR is honoured)')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Unlock with this age identity file instead of a passphrase')
            [CompletionResult]::new('--key-file', '--key-file', [CompletionResultType]::ParameterName, 'Act as an agent, with the agent key in this file')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON ("schema": 1) instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never secret values)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain what is happening on stderr (never secret values)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'agentcred;help' {
            [CompletionResult]::new('init', 'init', [CompletionResultType]::ParameterValue, 'Create a new vault')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show the vault, what it holds, and anything that needs attention')
            [CompletionResult]::new('unlock', 'unlock', [CompletionResultType]::ParameterValue, 'Unlock the vault for a while: later admin commands need no passphrase')
            [CompletionResult]::new('lock', 'lock', [CompletionResultType]::ParameterValue, 'End the unlock session `agentcred unlock` started')
            [CompletionResult]::new('identity', 'identity', [CompletionResultType]::ParameterValue, 'The admin identity')
            [CompletionResult]::new('recipients', 'recipients', [CompletionResultType]::ParameterValue, 'Extra age recipients the vault state is encrypted to (team members, CI)')
            [CompletionResult]::new('agent', 'agent', [CompletionResultType]::ParameterValue, 'Register and manage agents')
            [CompletionResult]::new('secret', 'secret', [CompletionResultType]::ParameterValue, 'Store and manage upstream secrets (values never on the command line)')
            [CompletionResult]::new('grant', 'grant', [CompletionResultType]::ParameterValue, 'Grant an agent a secret with a scope; `grant list`, `grant revoke GRANT_ID`')
            [CompletionResult]::new('key', 'key', [CompletionResultType]::ParameterValue, 'Issue, list and revoke agent keys (what a CI step holds instead of the master key)')
            [CompletionResult]::new('mint', 'mint', [CompletionResultType]::ParameterValue, 'Mint a short-lived credential for an agent')
            [CompletionResult]::new('verify', 'verify', [CompletionResultType]::ParameterValue, 'Verify a credential token offline (exit 0 allowed, 3 denied, 65 malformed or forged)')
            [CompletionResult]::new('present', 'present', [CompletionResultType]::ParameterValue, 'Present a token as its holder: append a fresh proof that you hold the holder''s key')
            [CompletionResult]::new('creds', 'creds', [CompletionResultType]::ParameterValue, 'List and revoke credentials')
            [CompletionResult]::new('exec', 'exec', [CompletionResultType]::ParameterValue, 'Run a program with an agent''s short-lived credential in its environment')
            [CompletionResult]::new('broker', 'broker', [CompletionResultType]::ParameterValue, 'Run a broker on its own, for a program started elsewhere (a container, an IDE)')
            [CompletionResult]::new('mcp', 'mcp', [CompletionResultType]::ParameterValue, 'An MCP server over stdio: HTTP requests with brokered secrets, for agent harnesses')
            [CompletionResult]::new('delegate', 'delegate', [CompletionResultType]::ParameterValue, 'Hand another agent a narrower part of an agent''s rights, as a signed token')
            [CompletionResult]::new('rotate', 'rotate', [CompletionResultType]::ParameterValue, 'What is due for rotation (`rotate --due`), and rotating it (`--apply`)')
            [CompletionResult]::new('audit', 'audit', [CompletionResultType]::ParameterValue, 'Query, verify and watch the tamper-evident audit log')
            [CompletionResult]::new('export-policy', 'export-policy', [CompletionResultType]::ParameterValue, 'Write the vault''s policy (agents, limits, secrets'' metadata, grants) as a TOML file')
            [CompletionResult]::new('plan', 'plan', [CompletionResultType]::ParameterValue, 'Show what applying a policy file would change (exit 0 none, 2 changes, 65 invalid file)')
            [CompletionResult]::new('apply', 'apply', [CompletionResultType]::ParameterValue, 'Make the vault''s policy that of a file (or of a saved plan), in one commit')
            [CompletionResult]::new('policy', 'policy', [CompletionResultType]::ParameterValue, 'The policy file''s JSON Schema, and checking a file without a vault')
            [CompletionResult]::new('git-credential', 'git-credential', [CompletionResultType]::ParameterValue, 'git''s credential helper: each request answered with a freshly minted, audited credential')
            [CompletionResult]::new('aws-credential-process', 'aws-credential-process', [CompletionResultType]::ParameterValue, 'AWS credential_process: a key pair from a secret, with the credential''s expiry')
            [CompletionResult]::new('docker-credential', 'docker-credential', [CompletionResultType]::ParameterValue, 'docker''s credential helper (also run as docker-credential-agentcred)')
            [CompletionResult]::new('kube-credential', 'kube-credential', [CompletionResultType]::ParameterValue, 'kubectl''s exec credential plugin: a bearer token as an ExecCredential')
            [CompletionResult]::new('demo', 'demo', [CompletionResultType]::ParameterValue, 'A walk-through of everything, in a throwaway vault that is removed afterwards')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'agentcred;help;init' {
            break
        }
        'agentcred;help;status' {
            break
        }
        'agentcred;help;unlock' {
            break
        }
        'agentcred;help;lock' {
            break
        }
        'agentcred;help;identity' {
            [CompletionResult]::new('export', 'export', [CompletionResultType]::ParameterValue, 'Print the admin age identity (AGE-SECRET-KEY-1…), for recovery with stock age')
            [CompletionResult]::new('rotate-issuer', 'rotate-issuer', [CompletionResultType]::ParameterValue, 'Start signing tokens with a new issuer key; tokens of the old one verify until the overlap ends')
            break
        }
        'agentcred;help;identity;export' {
            break
        }
        'agentcred;help;identity;rotate-issuer' {
            break
        }
        'agentcred;help;recipients' {
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the recipients')
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Add a recipient and re-encrypt the vault to it')
            [CompletionResult]::new('remove', 'remove', [CompletionResultType]::ParameterValue, 'Remove a recipient and re-encrypt the vault without it')
            break
        }
        'agentcred;help;recipients;list' {
            break
        }
        'agentcred;help;recipients;add' {
            break
        }
        'agentcred;help;recipients;remove' {
            break
        }
        'agentcred;help;agent' {
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Register one or more agents (one write for all)')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List agents')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show one agent')
            [CompletionResult]::new('suspend', 'suspend', [CompletionResultType]::ParameterValue, 'Suspend an agent: it can mint nothing until resumed')
            [CompletionResult]::new('resume', 'resume', [CompletionResultType]::ParameterValue, 'Resume a suspended agent')
            [CompletionResult]::new('remove', 'remove', [CompletionResultType]::ParameterValue, 'Remove an agent and everything granted to it')
            break
        }
        'agentcred;help;agent;add' {
            break
        }
        'agentcred;help;agent;list' {
            break
        }
        'agentcred;help;agent;show' {
            break
        }
        'agentcred;help;agent;suspend' {
            break
        }
        'agentcred;help;agent;resume' {
            break
        }
        'agentcred;help;agent;remove' {
            break
        }
        'agentcred;help;secret' {
            [CompletionResult]::new('set', 'set', [CompletionResultType]::ParameterValue, 'Store a secret, or a new version of it (value from a prompt, stdin, a file, or generated)')
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Add a secret whose value OpenBao provides: a token or a lease per credential, or a KV field')
            [CompletionResult]::new('edit', 'edit', [CompletionResultType]::ParameterValue, 'Change a secret''s metadata: variable, max age, bound hosts, delivery (never the value)')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List secrets (metadata only)')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show a secret''s metadata and versions (never the value)')
            [CompletionResult]::new('remove', 'remove', [CompletionResultType]::ParameterValue, 'Remove a secret and destroy all its versions')
            [CompletionResult]::new('rotate', 'rotate', [CompletionResultType]::ParameterValue, 'Rotate a secret with an overlap window, or stage and finish a rotation')
            break
        }
        'agentcred;help;secret;set' {
            break
        }
        'agentcred;help;secret;add' {
            break
        }
        'agentcred;help;secret;edit' {
            break
        }
        'agentcred;help;secret;list' {
            break
        }
        'agentcred;help;secret;show' {
            break
        }
        'agentcred;help;secret;remove' {
            break
        }
        'agentcred;help;secret;rotate' {
            break
        }
        'agentcred;help;grant' {
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List grants')
            [CompletionResult]::new('revoke', 'revoke', [CompletionResultType]::ParameterValue, 'Revoke a grant (credentials minted under it are revoked too)')
            break
        }
        'agentcred;help;grant;list' {
            break
        }
        'agentcred;help;grant;revoke' {
            break
        }
        'agentcred;help;key' {
            [CompletionResult]::new('issue', 'issue', [CompletionResultType]::ParameterValue, 'Issue a key for an agent; it is printed once (or written to --out, 0600)')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List keys (public data only)')
            [CompletionResult]::new('revoke', 'revoke', [CompletionResultType]::ParameterValue, 'Revoke a key now; credentials it minted are revoked too')
            [CompletionResult]::new('rotate', 'rotate', [CompletionResultType]::ParameterValue, 'Issue a new key for an agent; its current keys keep working until the overlap ends')
            break
        }
        'agentcred;help;key;issue' {
            break
        }
        'agentcred;help;key;list' {
            break
        }
        'agentcred;help;key;revoke' {
            break
        }
        'agentcred;help;key;rotate' {
            break
        }
        'agentcred;help;mint' {
            break
        }
        'agentcred;help;verify' {
            break
        }
        'agentcred;help;present' {
            break
        }
        'agentcred;help;creds' {
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List credentials (metadata only)')
            [CompletionResult]::new('revoke', 'revoke', [CompletionResultType]::ParameterValue, 'Revoke one credential (and everything derived from it), or all of an agent''s')
            break
        }
        'agentcred;help;creds;list' {
            break
        }
        'agentcred;help;creds;revoke' {
            break
        }
        'agentcred;help;exec' {
            break
        }
        'agentcred;help;broker' {
            break
        }
        'agentcred;help;mcp' {
            break
        }
        'agentcred;help;delegate' {
            break
        }
        'agentcred;help;rotate' {
            break
        }
        'agentcred;help;audit' {
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List entries, oldest first (a table; JSON Lines under --json)')
            [CompletionResult]::new('verify', 'verify', [CompletionResultType]::ParameterValue, 'Recompute the hash chain and check every checkpoint (exit 65 on any failure)')
            [CompletionResult]::new('checkpoint', 'checkpoint', [CompletionResultType]::ParameterValue, 'Sign a checkpoint of the log''s current size and head, to keep outside the vault')
            [CompletionResult]::new('tail', 'tail', [CompletionResultType]::ParameterValue, 'Print the last entries, and with -f every new one as it is appended')
            [CompletionResult]::new('anomalies', 'anomalies', [CompletionResultType]::ParameterValue, 'Report anomalies: call-rate bursts, failure spikes, denial bursts, first uses, stale keys')
            [CompletionResult]::new('hash', 'hash', [CompletionResultType]::ParameterValue, 'Print the HMAC form of a value, as stored in argv_hmac / params_hmac, to search the log')
            break
        }
        'agentcred;help;audit;list' {
            break
        }
        'agentcred;help;audit;verify' {
            break
        }
        'agentcred;help;audit;checkpoint' {
            break
        }
        'agentcred;help;audit;tail' {
            break
        }
        'agentcred;help;audit;anomalies' {
            break
        }
        'agentcred;help;audit;hash' {
            break
        }
        'agentcred;help;export-policy' {
            break
        }
        'agentcred;help;plan' {
            break
        }
        'agentcred;help;apply' {
            break
        }
        'agentcred;help;policy' {
            [CompletionResult]::new('schema', 'schema', [CompletionResultType]::ParameterValue, 'Print the JSON Schema of the policy file, for editors')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Check a policy file without a vault (exit 0 valid, 65 invalid, with line and column)')
            break
        }
        'agentcred;help;policy;schema' {
            break
        }
        'agentcred;help;policy;check' {
            break
        }
        'agentcred;help;git-credential' {
            break
        }
        'agentcred;help;aws-credential-process' {
            break
        }
        'agentcred;help;docker-credential' {
            break
        }
        'agentcred;help;kube-credential' {
            break
        }
        'agentcred;help;demo' {
            break
        }
        'agentcred;help;completions' {
            break
        }
        'agentcred;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
