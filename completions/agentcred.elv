
use builtin;
use str;

set edit:completion:arg-completer[agentcred] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'agentcred'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'agentcred'= {
            cand --vault 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]'
            cand --color 'When to use colour on the terminal (NO_COLOR is honoured)'
            cand --identity 'Unlock with this age identity file instead of a passphrase'
            cand --key-file 'Act as an agent, with the agent key in this file'
            cand --json 'Print machine-readable JSON ("schema": 1) instead of tables'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Explain what is happening on stderr (never secret values)'
            cand --verbose 'Explain what is happening on stderr (never secret values)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand init 'Create a new vault'
            cand status 'Show the vault, what it holds, and anything that needs attention'
            cand unlock 'Unlock the vault for a while: later admin commands need no passphrase'
            cand lock 'End the unlock session `agentcred unlock` started'
            cand identity 'The admin identity'
            cand recipients 'Extra age recipients the vault state is encrypted to (team members, CI)'
            cand agent 'Register and manage agents'
            cand secret 'Store and manage upstream secrets (values never on the command line)'
            cand grant 'Grant an agent a secret with a scope; `grant list`, `grant revoke GRANT_ID`'
            cand key 'Issue, list and revoke agent keys (what a CI step holds instead of the master key)'
            cand mint 'Mint a short-lived credential for an agent'
            cand verify 'Verify a credential token offline (exit 0 allowed, 3 denied, 65 malformed or forged)'
            cand present 'Present a token as its holder: append a fresh proof that you hold the holder''s key'
            cand creds 'List and revoke credentials'
            cand exec 'Run a program with an agent''s short-lived credential in its environment'
            cand broker 'Run a broker on its own, for a program started elsewhere (a container, an IDE)'
            cand mcp 'An MCP server over stdio: HTTP requests with brokered secrets, for agent harnesses'
            cand delegate 'Hand another agent a narrower part of an agent''s rights, as a signed token'
            cand rotate 'What is due for rotation (`rotate --due`), and rotating it (`--apply`)'
            cand audit 'Query, verify and watch the tamper-evident audit log'
            cand export-policy 'Write the vault''s policy (agents, limits, secrets'' metadata, grants) as a TOML file'
            cand plan 'Show what applying a policy file would change (exit 0 none, 2 changes, 65 invalid file)'
            cand apply 'Make the vault''s policy that of a file (or of a saved plan), in one commit'
            cand policy 'The policy file''s JSON Schema, and checking a file without a vault'
            cand git-credential 'git''s credential helper: each request answered with a freshly minted, audited credential'
            cand aws-credential-process 'AWS credential_process: a key pair from a secret, with the credential''s expiry'
            cand docker-credential 'docker''s credential helper (also run as docker-credential-agentcred)'
            cand kube-credential 'kubectl''s exec credential plugin: a bearer token as an ExecCredential'
            cand demo 'A walk-through of everything, in a throwaway vault that is removed afterwards'
            cand completions 'Print a shell completion script'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'agentcred;init'= {
            cand --recipient 'Also encrypt the vault to this age recipient (repeatable)'
            cand --identity-out 'Where to write the generated identity (created 0600; must not exist)'
            cand --kdf-memory-kib 'Argon2id memory in KiB [default: 65536]'
            cand --kdf-iterations 'Argon2id iterations [default: 3]'
            cand --kdf-parallelism 'Argon2id parallelism [default: 4]'
            cand --vault 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]'
            cand --color 'When to use colour on the terminal (NO_COLOR is honoured)'
            cand --identity 'Unlock with this age identity file instead of a passphrase'
            cand --key-file 'Act as an agent, with the agent key in this file'
            cand --no-passphrase 'Use a generated age identity instead of a passphrase (needs --identity-out)'
            cand --json 'Print machine-readable JSON ("schema": 1) instead of tables'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Explain what is happening on stderr (never secret values)'
            cand --verbose 'Explain what is happening on stderr (never secret values)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'agentcred;status'= {
            cand --vault 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]'
            cand --color 'When to use colour on the terminal (NO_COLOR is honoured)'
            cand --identity 'Unlock with this age identity file instead of a passphrase'
            cand --key-file 'Act as an agent, with the agent key in this file'
            cand --json 'Print machine-readable JSON ("schema": 1) instead of tables'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Explain what is happening on stderr (never secret values)'
            cand --verbose 'Explain what is happening on stderr (never secret values)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'agentcred;unlock'= {
            cand --for 'How long the session lasts at most'
            cand --idle 'End the session after this long without a command using it'
            cand --vault 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]'
            cand --color 'When to use colour on the terminal (NO_COLOR is honoured)'
            cand --identity 'Unlock with this age identity file instead of a passphrase'
            cand --key-file 'Act as an agent, with the agent key in this file'
            cand --json 'Print machine-readable JSON ("schema": 1) instead of tables'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Explain what is happening on stderr (never secret values)'
            cand --verbose 'Explain what is happening on stderr (never secret values)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'agentcred;lock'= {
            cand --vault 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]'
            cand --color 'When to use colour on the terminal (NO_COLOR is honoured)'
            cand --identity 'Unlock with this age identity file instead of a passphrase'
            cand --key-file 'Act as an agent, with the agent key in this file'
            cand --json 'Print machine-readable JSON ("schema": 1) instead of tables'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Explain what is happening on stderr (never secret values)'
            cand --verbose 'Explain what is happening on stderr (never secret values)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'agentcred;identity'= {
            cand --vault 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]'
            cand --color 'When to use colour on the terminal (NO_COLOR is honoured)'
            cand --identity 'Unlock with this age identity file instead of a passphrase'
            cand --key-file 'Act as an agent, with the agent key in this file'
            cand --json 'Print machine-readable JSON ("schema": 1) instead of tables'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Explain what is happening on stderr (never secret values)'
            cand --verbose 'Explain what is happening on stderr (never secret values)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand export 'Print the admin age identity (AGE-SECRET-KEY-1…), for recovery with stock age'
            cand rotate-issuer 'Start signing tokens with a new issuer key; tokens of the old one verify until the overlap ends'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'agentcred;identity;export'= {
            cand --out 'Write it to this new file (0600) instead of printing it'
            cand --vault 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]'
            cand --color 'When to use colour on the terminal (NO_COLOR is honoured)'
            cand --identity 'Unlock with this age identity file instead of a passphrase'
            cand --key-file 'Act as an agent, with the agent key in this file'
            cand --force 'With --out: replace the file if it exists'
            cand --json 'Print machine-readable JSON ("schema": 1) instead of tables'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Explain what is happening on stderr (never secret values)'
            cand --verbose 'Explain what is happening on stderr (never secret values)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'agentcred;identity;rotate-issuer'= {
            cand --overlap 'How long tokens signed by the old key keep verifying'
            cand --vault 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]'
            cand --color 'When to use colour on the terminal (NO_COLOR is honoured)'
            cand --identity 'Unlock with this age identity file instead of a passphrase'
            cand --key-file 'Act as an agent, with the agent key in this file'
            cand --json 'Print machine-readable JSON ("schema": 1) instead of tables'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Explain what is happening on stderr (never secret values)'
            cand --verbose 'Explain what is happening on stderr (never secret values)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'agentcred;identity;help'= {
            cand export 'Print the admin age identity (AGE-SECRET-KEY-1…), for recovery with stock age'
            cand rotate-issuer 'Start signing tokens with a new issuer key; tokens of the old one verify until the overlap ends'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'agentcred;identity;help;export'= {
        }
        &'agentcred;identity;help;rotate-issuer'= {
        }
        &'agentcred;identity;help;help'= {
        }
        &'agentcred;recipients'= {
            cand --vault 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]'
            cand --color 'When to use colour on the terminal (NO_COLOR is honoured)'
            cand --identity 'Unlock with this age identity file instead of a passphrase'
            cand --key-file 'Act as an agent, with the agent key in this file'
            cand --json 'Print machine-readable JSON ("schema": 1) instead of tables'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Explain what is happening on stderr (never secret values)'
            cand --verbose 'Explain what is happening on stderr (never secret values)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand list 'List the recipients'
            cand add 'Add a recipient and re-encrypt the vault to it'
            cand remove 'Remove a recipient and re-encrypt the vault without it'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'agentcred;recipients;list'= {
            cand --vault 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]'
            cand --color 'When to use colour on the terminal (NO_COLOR is honoured)'
            cand --identity 'Unlock with this age identity file instead of a passphrase'
            cand --key-file 'Act as an agent, with the agent key in this file'
            cand --json 'Print machine-readable JSON ("schema": 1) instead of tables'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Explain what is happening on stderr (never secret values)'
            cand --verbose 'Explain what is happening on stderr (never secret values)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'agentcred;recipients;add'= {
            cand --vault 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]'
            cand --color 'When to use colour on the terminal (NO_COLOR is honoured)'
            cand --identity 'Unlock with this age identity file instead of a passphrase'
            cand --key-file 'Act as an agent, with the agent key in this file'
            cand --json 'Print machine-readable JSON ("schema": 1) instead of tables'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Explain what is happening on stderr (never secret values)'
            cand --verbose 'Explain what is happening on stderr (never secret values)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'agentcred;recipients;remove'= {
            cand --vault 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]'
            cand --color 'When to use colour on the terminal (NO_COLOR is honoured)'
            cand --identity 'Unlock with this age identity file instead of a passphrase'
            cand --key-file 'Act as an agent, with the agent key in this file'
            cand -y 'Do not ask for confirmation'
            cand --yes 'Do not ask for confirmation'
            cand --json 'Print machine-readable JSON ("schema": 1) instead of tables'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Explain what is happening on stderr (never secret values)'
            cand --verbose 'Explain what is happening on stderr (never secret values)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'agentcred;recipients;help'= {
            cand list 'List the recipients'
            cand add 'Add a recipient and re-encrypt the vault to it'
            cand remove 'Remove a recipient and re-encrypt the vault without it'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'agentcred;recipients;help;list'= {
        }
        &'agentcred;recipients;help;add'= {
        }
        &'agentcred;recipients;help;remove'= {
        }
        &'agentcred;recipients;help;help'= {
        }
        &'agentcred;agent'= {
            cand --vault 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]'
            cand --color 'When to use colour on the terminal (NO_COLOR is honoured)'
            cand --identity 'Unlock with this age identity file instead of a passphrase'
            cand --key-file 'Act as an agent, with the agent key in this file'
            cand --json 'Print machine-readable JSON ("schema": 1) instead of tables'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Explain what is happening on stderr (never secret values)'
            cand --verbose 'Explain what is happening on stderr (never secret values)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand add 'Register one or more agents (one write for all)'
            cand list 'List agents'
            cand show 'Show one agent'
            cand suspend 'Suspend an agent: it can mint nothing until resumed'
            cand resume 'Resume a suspended agent'
            cand remove 'Remove an agent and everything granted to it'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'agentcred;agent;add'= {
            cand --description 'What the agent is for'
            cand --max-ttl 'Longest credential this agent may hold, e.g. 1h'
            cand --rate-limit 'Hard limit on mints and execs, e.g. 60/m'
            cand --vault 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]'
            cand --color 'When to use colour on the terminal (NO_COLOR is honoured)'
            cand --identity 'Unlock with this age identity file instead of a passphrase'
            cand --key-file 'Act as an agent, with the agent key in this file'
            cand --suspend-on-anomaly 'Suspend the agent automatically when an anomaly is detected'
            cand --json 'Print machine-readable JSON ("schema": 1) instead of tables'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Explain what is happening on stderr (never secret values)'
            cand --verbose 'Explain what is happening on stderr (never secret values)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'agentcred;agent;list'= {
            cand --vault 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]'
            cand --color 'When to use colour on the terminal (NO_COLOR is honoured)'
            cand --identity 'Unlock with this age identity file instead of a passphrase'
            cand --key-file 'Act as an agent, with the agent key in this file'
            cand --json 'Print machine-readable JSON ("schema": 1) instead of tables'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Explain what is happening on stderr (never secret values)'
            cand --verbose 'Explain what is happening on stderr (never secret values)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'agentcred;agent;show'= {
            cand --vault 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]'
            cand --color 'When to use colour on the terminal (NO_COLOR is honoured)'
            cand --identity 'Unlock with this age identity file instead of a passphrase'
            cand --key-file 'Act as an agent, with the agent key in this file'
            cand --json 'Print machine-readable JSON ("schema": 1) instead of tables'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Explain what is happening on stderr (never secret values)'
            cand --verbose 'Explain what is happening on stderr (never secret values)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'agentcred;agent;suspend'= {
            cand --vault 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]'
            cand --color 'When to use colour on the terminal (NO_COLOR is honoured)'
            cand --identity 'Unlock with this age identity file instead of a passphrase'
            cand --key-file 'Act as an agent, with the agent key in this file'
            cand --json 'Print machine-readable JSON ("schema": 1) instead of tables'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Explain what is happening on stderr (never secret values)'
            cand --verbose 'Explain what is happening on stderr (never secret values)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'agentcred;agent;resume'= {
            cand --vault 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]'
            cand --color 'When to use colour on the terminal (NO_COLOR is honoured)'
            cand --identity 'Unlock with this age identity file instead of a passphrase'
            cand --key-file 'Act as an agent, with the agent key in this file'
            cand --json 'Print machine-readable JSON ("schema": 1) instead of tables'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Explain what is happening on stderr (never secret values)'
            cand --verbose 'Explain what is happening on stderr (never secret values)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'agentcred;agent;remove'= {
            cand --vault 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]'
            cand --color 'When to use colour on the terminal (NO_COLOR is honoured)'
            cand --identity 'Unlock with this age identity file instead of a passphrase'
            cand --key-file 'Act as an agent, with the agent key in this file'
            cand -y 'Do not ask for confirmation'
            cand --yes 'Do not ask for confirmation'
            cand --json 'Print machine-readable JSON ("schema": 1) instead of tables'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Explain what is happening on stderr (never secret values)'
            cand --verbose 'Explain what is happening on stderr (never secret values)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'agentcred;agent;help'= {
            cand add 'Register one or more agents (one write for all)'
            cand list 'List agents'
            cand show 'Show one agent'
            cand suspend 'Suspend an agent: it can mint nothing until resumed'
            cand resume 'Resume a suspended agent'
            cand remove 'Remove an agent and everything granted to it'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'agentcred;agent;help;add'= {
        }
        &'agentcred;agent;help;list'= {
        }
        &'agentcred;agent;help;show'= {
        }
        &'agentcred;agent;help;suspend'= {
        }
        &'agentcred;agent;help;resume'= {
        }
        &'agentcred;agent;help;remove'= {
        }
        &'agentcred;agent;help;help'= {
        }
        &'agentcred;secret'= {
            cand --vault 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]'
            cand --color 'When to use colour on the terminal (NO_COLOR is honoured)'
            cand --identity 'Unlock with this age identity file instead of a passphrase'
            cand --key-file 'Act as an agent, with the agent key in this file'
            cand --json 'Print machine-readable JSON ("schema": 1) instead of tables'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Explain what is happening on stderr (never secret values)'
            cand --verbose 'Explain what is happening on stderr (never secret values)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand set 'Store a secret, or a new version of it (value from a prompt, stdin, a file, or generated)'
            cand add 'Add a secret whose value OpenBao provides: a token or a lease per credential, or a KV field'
            cand edit 'Change a secret''s metadata: variable, max age, bound hosts, delivery (never the value)'
            cand list 'List secrets (metadata only)'
            cand show 'Show a secret''s metadata and versions (never the value)'
            cand remove 'Remove a secret and destroy all its versions'
            cand rotate 'Rotate a secret with an overlap window, or stage and finish a rotation'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'agentcred;secret;set'= {
            cand --file 'Read the value from a file (one trailing newline is dropped)'
            cand --length 'Length of a generated value'
            cand --max-size 'Refuse a value larger than this, read from a file, stdin or the prompt (bytes, or with K/KiB, M/MiB, G/GiB)'
            cand --env 'Environment variable the value is injected as [default: the name, upper-cased]'
            cand --max-age 'Flag the secret for rotation after this long [default: 90d]'
            cand --cas 'Only write if the current version is N (0: only if the secret does not exist yet); otherwise refused with exit 3, changing nothing but recording the denial'
            cand --hosts 'The only hosts the value may be sent to: names, *.domain (every name below it), addresses, each with an optional :port, comma separated; replaces the secret''s list'
            cand --delivery 'How programs get the value: `env` in their environment, or `broker`, which gives them a placeholder and puts the value only into requests to the bound hosts (needs --hosts)'
            cand --placeholder-prefix 'Text the placeholder starts with, so that clients checking the format accept it (e.g. sk-); at most 16 of A-Z a-z 0-9 _ -, not secret'
            cand --vault 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]'
            cand --color 'When to use colour on the terminal (NO_COLOR is honoured)'
            cand --identity 'Unlock with this age identity file instead of a passphrase'
            cand --key-file 'Act as an agent, with the agent key in this file'
            cand --stdin 'Read the value from standard input (one trailing newline is dropped)'
            cand --generate 'Generate a random value of [A-Za-z0-9]'
            cand --json 'Print machine-readable JSON ("schema": 1) instead of tables'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Explain what is happening on stderr (never secret values)'
            cand --verbose 'Explain what is happening on stderr (never secret values)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'agentcred;secret;add'= {
            cand --policy 'A policy of the tokens created (repeat for more; at least one)'
            cand --num-uses 'How many requests each token may make (default: no limit)'
            cand --openbao-lease 'A fresh lease from this OpenBao path for every credential (e.g. database/creds/readonly)'
            cand --map 'A lease field and the variable it is injected as (repeat; at least one)'
            cand --openbao-kv 'A field of a KV version 2 secret, MOUNT/PATH#FIELD (e.g. secret/team/openai#api_key)'
            cand --cache 'How long a process may reuse a KV value it read [default: 0s, read at every mint]'
            cand --env 'Environment variable the value is injected as [default: the name, upper-cased]'
            cand --max-age 'Flag the secret for rotation after this long (a KV secret) [default: 90d]'
            cand --hosts 'The only hosts the value may be sent to: names, *.domain (every name below it), addresses, each with an optional :port, comma separated; replaces the secret''s list'
            cand --delivery 'How programs get the value: `env` in their environment, or `broker`, which gives them a placeholder and puts the value only into requests to the bound hosts (needs --hosts)'
            cand --placeholder-prefix 'Text the placeholder starts with, so that clients checking the format accept it (e.g. sk-); at most 16 of A-Z a-z 0-9 _ -, not secret'
            cand --vault 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]'
            cand --color 'When to use colour on the terminal (NO_COLOR is honoured)'
            cand --identity 'Unlock with this age identity file instead of a passphrase'
            cand --key-file 'Act as an agent, with the agent key in this file'
            cand --openbao-token 'A new OpenBao token for every credential'
            cand --json 'Print machine-readable JSON ("schema": 1) instead of tables'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Explain what is happening on stderr (never secret values)'
            cand --verbose 'Explain what is happening on stderr (never secret values)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'agentcred;secret;edit'= {
            cand --env 'Environment variable the value is injected as'
            cand --max-age 'Flag the secret for rotation after this long'
            cand --hosts 'The only hosts the value may be sent to: names, *.domain (every name below it), addresses, each with an optional :port, comma separated; replaces the secret''s list'
            cand --delivery 'How programs get the value: `env` in their environment, or `broker`, which gives them a placeholder and puts the value only into requests to the bound hosts (needs --hosts)'
            cand --placeholder-prefix 'Text the placeholder starts with, so that clients checking the format accept it (e.g. sk-); at most 16 of A-Z a-z 0-9 _ -, not secret'
            cand --vault 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]'
            cand --color 'When to use colour on the terminal (NO_COLOR is honoured)'
            cand --identity 'Unlock with this age identity file instead of a passphrase'
            cand --key-file 'Act as an agent, with the agent key in this file'
            cand --json 'Print machine-readable JSON ("schema": 1) instead of tables'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Explain what is happening on stderr (never secret values)'
            cand --verbose 'Explain what is happening on stderr (never secret values)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'agentcred;secret;list'= {
            cand --vault 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]'
            cand --color 'When to use colour on the terminal (NO_COLOR is honoured)'
            cand --identity 'Unlock with this age identity file instead of a passphrase'
            cand --key-file 'Act as an agent, with the agent key in this file'
            cand --json 'Print machine-readable JSON ("schema": 1) instead of tables'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Explain what is happening on stderr (never secret values)'
            cand --verbose 'Explain what is happening on stderr (never secret values)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'agentcred;secret;show'= {
            cand --vault 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]'
            cand --color 'When to use colour on the terminal (NO_COLOR is honoured)'
            cand --identity 'Unlock with this age identity file instead of a passphrase'
            cand --key-file 'Act as an agent, with the agent key in this file'
            cand --json 'Print machine-readable JSON ("schema": 1) instead of tables'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Explain what is happening on stderr (never secret values)'
            cand --verbose 'Explain what is happening on stderr (never secret values)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'agentcred;secret;remove'= {
            cand --vault 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]'
            cand --color 'When to use colour on the terminal (NO_COLOR is honoured)'
            cand --identity 'Unlock with this age identity file instead of a passphrase'
            cand --key-file 'Act as an agent, with the agent key in this file'
            cand -y 'Do not ask for confirmation'
            cand --yes 'Do not ask for confirmation'
            cand --json 'Print machine-readable JSON ("schema": 1) instead of tables'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Explain what is happening on stderr (never secret values)'
            cand --verbose 'Explain what is happening on stderr (never secret values)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'agentcred;secret;rotate'= {
            cand --file 'Read the value from a file (one trailing newline is dropped)'
            cand --length 'Length of a generated value'
            cand --max-size 'Refuse a value larger than this, read from a file, stdin or the prompt (bytes, or with K/KiB, M/MiB, G/GiB)'
            cand --overlap 'How long the old version stays valid after the new one takes over'
            cand --vault 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]'
            cand --color 'When to use colour on the terminal (NO_COLOR is honoured)'
            cand --identity 'Unlock with this age identity file instead of a passphrase'
            cand --key-file 'Act as an agent, with the agent key in this file'
            cand --stdin 'Read the value from standard input (one trailing newline is dropped)'
            cand --generate 'Generate a random value of [A-Za-z0-9]'
            cand --stage 'Store the new value as PENDING, not served until --finish'
            cand --finish 'Promote the PENDING version to CURRENT'
            cand --cancel 'Drop the PENDING version'
            cand --json 'Print machine-readable JSON ("schema": 1) instead of tables'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Explain what is happening on stderr (never secret values)'
            cand --verbose 'Explain what is happening on stderr (never secret values)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'agentcred;secret;help'= {
            cand set 'Store a secret, or a new version of it (value from a prompt, stdin, a file, or generated)'
            cand add 'Add a secret whose value OpenBao provides: a token or a lease per credential, or a KV field'
            cand edit 'Change a secret''s metadata: variable, max age, bound hosts, delivery (never the value)'
            cand list 'List secrets (metadata only)'
            cand show 'Show a secret''s metadata and versions (never the value)'
            cand remove 'Remove a secret and destroy all its versions'
            cand rotate 'Rotate a secret with an overlap window, or stage and finish a rotation'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'agentcred;secret;help;set'= {
        }
        &'agentcred;secret;help;add'= {
        }
        &'agentcred;secret;help;edit'= {
        }
        &'agentcred;secret;help;list'= {
        }
        &'agentcred;secret;help;show'= {
        }
        &'agentcred;secret;help;remove'= {
        }
        &'agentcred;secret;help;rotate'= {
        }
        &'agentcred;secret;help;help'= {
        }
        &'agentcred;grant'= {
            cand --actions 'Allowed (or, with --deny, denied) actions, comma separated [default: read]'
            cand --resources 'Resources: names, or prefixes ending in * [default: *]'
            cand --max-ttl 'Longest credential this grant allows, e.g. 15m'
            cand --env 'Inject the secret under this variable for this agent [default: the secret''s]'
            cand --hosts 'Narrow where the value may be sent to these hosts (name, *.domain, optional :port), comma separated; each must lie within the secret''s --hosts [default: the secret''s]'
            cand --methods 'Allow only these HTTP methods with the value, comma separated [default: any]'
            cand --paths 'Allow only these paths with the value: exact, * for one segment, a final /* for the subtree (/v1/*), comma separated [default: any]'
            cand --vault 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]'
            cand --color 'When to use colour on the terminal (NO_COLOR is honoured)'
            cand --identity 'Unlock with this age identity file instead of a passphrase'
            cand --key-file 'Act as an agent, with the agent key in this file'
            cand --deny 'Make this an explicit deny, which beats every allow'
            cand --json 'Print machine-readable JSON ("schema": 1) instead of tables'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Explain what is happening on stderr (never secret values)'
            cand --verbose 'Explain what is happening on stderr (never secret values)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand list 'List grants'
            cand revoke 'Revoke a grant (credentials minted under it are revoked too)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'agentcred;grant;list'= {
            cand --agent 'Only this agent''s grants'
            cand --vault 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]'
            cand --color 'When to use colour on the terminal (NO_COLOR is honoured)'
            cand --identity 'Unlock with this age identity file instead of a passphrase'
            cand --key-file 'Act as an agent, with the agent key in this file'
            cand --json 'Print machine-readable JSON ("schema": 1) instead of tables'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Explain what is happening on stderr (never secret values)'
            cand --verbose 'Explain what is happening on stderr (never secret values)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'agentcred;grant;revoke'= {
            cand --vault 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]'
            cand --color 'When to use colour on the terminal (NO_COLOR is honoured)'
            cand --identity 'Unlock with this age identity file instead of a passphrase'
            cand --key-file 'Act as an agent, with the agent key in this file'
            cand --json 'Print machine-readable JSON ("schema": 1) instead of tables'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Explain what is happening on stderr (never secret values)'
            cand --verbose 'Explain what is happening on stderr (never secret values)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'agentcred;grant;help'= {
            cand list 'List grants'
            cand revoke 'Revoke a grant (credentials minted under it are revoked too)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'agentcred;grant;help;list'= {
        }
        &'agentcred;grant;help;revoke'= {
        }
        &'agentcred;grant;help;help'= {
        }
        &'agentcred;key'= {
            cand --vault 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]'
            cand --color 'When to use colour on the terminal (NO_COLOR is honoured)'
            cand --identity 'Unlock with this age identity file instead of a passphrase'
            cand --key-file 'Act as an agent, with the agent key in this file'
            cand --json 'Print machine-readable JSON ("schema": 1) instead of tables'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Explain what is happening on stderr (never secret values)'
            cand --verbose 'Explain what is happening on stderr (never secret values)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand issue 'Issue a key for an agent; it is printed once (or written to --out, 0600)'
            cand list 'List keys (public data only)'
            cand revoke 'Revoke a key now; credentials it minted are revoked too'
            cand rotate 'Issue a new key for an agent; its current keys keep working until the overlap ends'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'agentcred;key;issue'= {
            cand --expires 'How long the key works'
            cand --out 'Write it to this new file (0600) instead of printing it'
            cand --vault 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]'
            cand --color 'When to use colour on the terminal (NO_COLOR is honoured)'
            cand --identity 'Unlock with this age identity file instead of a passphrase'
            cand --key-file 'Act as an agent, with the agent key in this file'
            cand --force 'With --out: replace the file if it exists'
            cand --json 'Print machine-readable JSON ("schema": 1) instead of tables'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Explain what is happening on stderr (never secret values)'
            cand --verbose 'Explain what is happening on stderr (never secret values)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'agentcred;key;list'= {
            cand --vault 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]'
            cand --color 'When to use colour on the terminal (NO_COLOR is honoured)'
            cand --identity 'Unlock with this age identity file instead of a passphrase'
            cand --key-file 'Act as an agent, with the agent key in this file'
            cand --json 'Print machine-readable JSON ("schema": 1) instead of tables'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Explain what is happening on stderr (never secret values)'
            cand --verbose 'Explain what is happening on stderr (never secret values)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'agentcred;key;revoke'= {
            cand --vault 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]'
            cand --color 'When to use colour on the terminal (NO_COLOR is honoured)'
            cand --identity 'Unlock with this age identity file instead of a passphrase'
            cand --key-file 'Act as an agent, with the agent key in this file'
            cand --json 'Print machine-readable JSON ("schema": 1) instead of tables'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Explain what is happening on stderr (never secret values)'
            cand --verbose 'Explain what is happening on stderr (never secret values)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'agentcred;key;rotate'= {
            cand --overlap 'How long the current keys keep working'
            cand --expires 'How long the new key works'
            cand --out 'Write it to this new file (0600) instead of printing it'
            cand --vault 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]'
            cand --color 'When to use colour on the terminal (NO_COLOR is honoured)'
            cand --identity 'Unlock with this age identity file instead of a passphrase'
            cand --key-file 'Act as an agent, with the agent key in this file'
            cand --force 'With --out: replace the file if it exists'
            cand --json 'Print machine-readable JSON ("schema": 1) instead of tables'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Explain what is happening on stderr (never secret values)'
            cand --verbose 'Explain what is happening on stderr (never secret values)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'agentcred;key;help'= {
            cand issue 'Issue a key for an agent; it is printed once (or written to --out, 0600)'
            cand list 'List keys (public data only)'
            cand revoke 'Revoke a key now; credentials it minted are revoked too'
            cand rotate 'Issue a new key for an agent; its current keys keep working until the overlap ends'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'agentcred;key;help;issue'= {
        }
        &'agentcred;key;help;list'= {
        }
        &'agentcred;key;help;revoke'= {
        }
        &'agentcred;key;help;rotate'= {
        }
        &'agentcred;key;help;help'= {
        }
        &'agentcred;mint'= {
            cand --agent 'The agent (required for the admin; with an agent key, defaults to the key''s agent)'
            cand --secret 'Only these secrets (repeatable) [default: every granted secret]'
            cand --ttl 'Credential lifetime, e.g. 10m [default: 15m; nested exec: the parent''s remaining time]'
            cand --actions 'Narrow the credential to these actions, comma separated'
            cand --resources 'Narrow the credential to these resources, comma separated'
            cand --secret-version 'Which version of the secrets to serve'
            cand --format 'Output format'
            cand --out 'Write it to this new file (0600) instead of printing it'
            cand --vault 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]'
            cand --color 'When to use colour on the terminal (NO_COLOR is honoured)'
            cand --identity 'Unlock with this age identity file instead of a passphrase'
            cand --key-file 'Act as an agent, with the agent key in this file'
            cand --force 'With --out: replace the file if it exists'
            cand --json 'Print machine-readable JSON ("schema": 1) instead of tables'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Explain what is happening on stderr (never secret values)'
            cand --verbose 'Explain what is happening on stderr (never secret values)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'agentcred;verify'= {
            cand --as 'The agent presenting the token: it must be its holder, the last agent it was delegated to (--json says whether that agent also signed it, as `exec --on-behalf-of` does)'
            cand --action 'The action requested'
            cand --resource 'The resource requested'
            cand --vault-id 'The vault id this verifier trusts: the vault''s issuer keys must chain back to it (without it, the id in vault.toml is trusted)'
            cand --issuer-key 'An issuer key this verifier knows is on the vault''s chain (the newest when it was pinned): a chain without it, cut short or forked from an older, perhaps leaked, key, is refused'
            cand --challenge 'With --as: the challenge the holder''s proof must name (see `agentcred present`)'
            cand --vault 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]'
            cand --color 'When to use colour on the terminal (NO_COLOR is honoured)'
            cand --identity 'Unlock with this age identity file instead of a passphrase'
            cand --key-file 'Act as an agent, with the agent key in this file'
            cand --json 'Print machine-readable JSON ("schema": 1) instead of tables'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Explain what is happening on stderr (never secret values)'
            cand --verbose 'Explain what is happening on stderr (never secret values)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'agentcred;present'= {
            cand --token 'The token, or - to read it from stdin [default: $AGENTCRED_TOKEN, else stdin]'
            cand --agent 'The holding agent (with the admin unlock; with an agent key, the key''s agent)'
            cand --challenge 'A challenge the verifier gave, included in the proof'
            cand --vault 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]'
            cand --color 'When to use colour on the terminal (NO_COLOR is honoured)'
            cand --identity 'Unlock with this age identity file instead of a passphrase'
            cand --key-file 'Act as an agent, with the agent key in this file'
            cand --json 'Print machine-readable JSON ("schema": 1) instead of tables'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Explain what is happening on stderr (never secret values)'
            cand --verbose 'Explain what is happening on stderr (never secret values)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'agentcred;creds'= {
            cand --vault 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]'
            cand --color 'When to use colour on the terminal (NO_COLOR is honoured)'
            cand --identity 'Unlock with this age identity file instead of a passphrase'
            cand --key-file 'Act as an agent, with the agent key in this file'
            cand --json 'Print machine-readable JSON ("schema": 1) instead of tables'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Explain what is happening on stderr (never secret values)'
            cand --verbose 'Explain what is happening on stderr (never secret values)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand list 'List credentials (metadata only)'
            cand revoke 'Revoke one credential (and everything derived from it), or all of an agent''s'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'agentcred;creds;list'= {
            cand --agent 'Only this agent''s credentials'
            cand --vault 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]'
            cand --color 'When to use colour on the terminal (NO_COLOR is honoured)'
            cand --identity 'Unlock with this age identity file instead of a passphrase'
            cand --key-file 'Act as an agent, with the agent key in this file'
            cand --active 'Only credentials that are neither expired nor revoked'
            cand --json 'Print machine-readable JSON ("schema": 1) instead of tables'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Explain what is happening on stderr (never secret values)'
            cand --verbose 'Explain what is happening on stderr (never secret values)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'agentcred;creds;revoke'= {
            cand --agent 'Revoke every credential of this agent'
            cand --vault 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]'
            cand --color 'When to use colour on the terminal (NO_COLOR is honoured)'
            cand --identity 'Unlock with this age identity file instead of a passphrase'
            cand --key-file 'Act as an agent, with the agent key in this file'
            cand --json 'Print machine-readable JSON ("schema": 1) instead of tables'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Explain what is happening on stderr (never secret values)'
            cand --verbose 'Explain what is happening on stderr (never secret values)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'agentcred;creds;help'= {
            cand list 'List credentials (metadata only)'
            cand revoke 'Revoke one credential (and everything derived from it), or all of an agent''s'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'agentcred;creds;help;list'= {
        }
        &'agentcred;creds;help;revoke'= {
        }
        &'agentcred;creds;help;help'= {
        }
        &'agentcred;exec'= {
            cand --agent 'The agent (required for the admin; with an agent key, defaults to the key''s agent)'
            cand --secret 'Only these secrets (repeatable) [default: every granted secret]'
            cand --ttl 'Credential lifetime, e.g. 10m [default: 15m; nested exec: the parent''s remaining time]'
            cand --actions 'Narrow the credential to these actions, comma separated'
            cand --resources 'Narrow the credential to these resources, comma separated'
            cand --on-expiry 'What happens when the credential expires'
            cand --on-behalf-of 'Act on a token another agent delegated to this one (`-`: read it from stdin). The program gets only what the token delegates and this agent is granted, for no longer than the token lives'
            cand --sandbox '`required`: where the kernel cannot set the sandbox up, refuse to run (exit 125) rather than run the program without it [default: auto, or `[exec] sandbox` in the vault''s config.toml]'
            cand --egress 'With the broker: `bound` refuses connections to hosts no injected secret is bound to, `open` tunnels them untouched [default: open, or `[broker] egress` in config.toml]'
            cand --upstream-ca 'With the broker: also trust the CA certificates of this PEM file for upstreams (a private or test CA) [default: `[broker] upstream_ca` in config.toml]'
            cand --vault 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]'
            cand --color 'When to use colour on the terminal (NO_COLOR is honoured)'
            cand --identity 'Unlock with this age identity file instead of a passphrase'
            cand --key-file 'Act as an agent, with the agent key in this file'
            cand --clean-env 'Pass only PATH, HOME, USER, LANG, LC_*, TERM, TZ, TMPDIR, SHELL from this environment'
            cand --mask 'Replace injected values (and their base64 and URL-encoded forms) in the program''s output'
            cand --replace 'Exec in place (same PID): no supervision, no end entry, no expiry enforcement'
            cand --no-sandbox 'Run the program outside the sandbox: it can then reach the vault directory and the key file. Recorded as a warning in the exec.start audit entry'
            cand --broker 'Run the program behind a broker of its own: brokered secrets reach it as placeholders the broker swaps for the values in requests to their bound hosts (implied when a granted secret has delivery broker)'
            cand --json 'Print machine-readable JSON ("schema": 1) instead of tables'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Explain what is happening on stderr (never secret values)'
            cand --verbose 'Explain what is happening on stderr (never secret values)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'agentcred;broker'= {
            cand --agent 'The agent (required for the admin; with an agent key, defaults to the key''s agent)'
            cand --secret 'Only these secrets (repeatable) [default: every granted secret]'
            cand --ttl 'Credential lifetime, e.g. 10m [default: 15m; nested exec: the parent''s remaining time]'
            cand --actions 'Narrow the credential to these actions, comma separated'
            cand --resources 'Narrow the credential to these resources, comma separated'
            cand --listen 'Where the proxy listens (loopback only; port 0: any free port)'
            cand --egress '`bound` refuses connections to hosts no secret is bound to, `open` tunnels them untouched [default: open, or `[broker] egress` in config.toml]'
            cand --upstream-ca 'Also trust the CA certificates of this PEM file for upstreams [default: `[broker] upstream_ca` in config.toml]'
            cand --env-file 'Write the program''s environment to this dotenv file (created 0600) instead of stdout'
            cand --vault 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]'
            cand --color 'When to use colour on the terminal (NO_COLOR is honoured)'
            cand --identity 'Unlock with this age identity file instead of a passphrase'
            cand --key-file 'Act as an agent, with the agent key in this file'
            cand --force 'Replace an existing --env-file'
            cand --json 'Print machine-readable JSON ("schema": 1) instead of tables'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Explain what is happening on stderr (never secret values)'
            cand --verbose 'Explain what is happening on stderr (never secret values)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'agentcred;mcp'= {
            cand --agent 'The agent (required for the admin; with an agent key, defaults to the key''s agent)'
            cand --secret 'Only these secrets (repeatable) [default: every granted secret]'
            cand --ttl 'Credential lifetime, e.g. 10m [default: 15m; nested exec: the parent''s remaining time]'
            cand --actions 'Narrow the credential to these actions, comma separated'
            cand --resources 'Narrow the credential to these resources, comma separated'
            cand --egress '`bound` refuses requests to hosts no secret is bound to, `open` lets them through untouched [default: open, or `[broker] egress` in config.toml]'
            cand --upstream-ca 'Also trust the CA certificates of this PEM file for upstreams [default: `[broker] upstream_ca` in config.toml]'
            cand --vault 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]'
            cand --color 'When to use colour on the terminal (NO_COLOR is honoured)'
            cand --identity 'Unlock with this age identity file instead of a passphrase'
            cand --key-file 'Act as an agent, with the agent key in this file'
            cand --once 'Never renew the credential: after its expiry every call is refused'
            cand --json 'Print machine-readable JSON ("schema": 1) instead of tables'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Explain what is happening on stderr (never secret values)'
            cand --verbose 'Explain what is happening on stderr (never secret values)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'agentcred;delegate'= {
            cand --to 'The agent receiving the delegation'
            cand --actions 'Delegate only these actions, comma separated or repeated [default: every action the parent allows]'
            cand --resources 'Delegate only these resources, exact names, comma separated or repeated [default: every resource the parent allows]'
            cand --ttl 'How long the delegation lasts [default: as long as its parent]'
            cand --task 'What the delegation is for, recorded in the token and on the audit log'
            cand --token 'Delegate from this token (`-`: read it from stdin) instead of a fresh credential'
            cand --agent 'The delegating agent (with the admin unlock)'
            cand --format 'How to print the delegated token'
            cand --vault 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]'
            cand --color 'When to use colour on the terminal (NO_COLOR is honoured)'
            cand --identity 'Unlock with this age identity file instead of a passphrase'
            cand --key-file 'Act as an agent, with the agent key in this file'
            cand --json 'Print machine-readable JSON ("schema": 1) instead of tables'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Explain what is happening on stderr (never secret values)'
            cand --verbose 'Explain what is happening on stderr (never secret values)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'agentcred;rotate'= {
            cand --overlap 'The overlap window for what --apply rotates'
            cand --vault 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]'
            cand --color 'When to use colour on the terminal (NO_COLOR is honoured)'
            cand --identity 'Unlock with this age identity file instead of a passphrase'
            cand --key-file 'Act as an agent, with the agent key in this file'
            cand --due 'List what is due: secrets and keys past their max age, keys unused for 45 days, agents with more than one active key outside an overlap'
            cand --apply 'Rotate what agentcred can: secrets it generated get a new generated value'
            cand --json 'Print machine-readable JSON ("schema": 1) instead of tables'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Explain what is happening on stderr (never secret values)'
            cand --verbose 'Explain what is happening on stderr (never secret values)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'agentcred;audit'= {
            cand --agent 'Only entries about this agent'
            cand --action 'Only this action (e.g. cred.mint), or a family ending in * (e.g. ''cred.*'')'
            cand --result 'Only this result'
            cand --since 'Only entries at or after this time: a duration ago (1h, 7d) or RFC 3339'
            cand --until 'Only entries before this time: a duration ago (1h, 7d) or RFC 3339'
            cand --limit 'Only the last N matching entries [default on a terminal: 100]'
            cand --vault 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]'
            cand --color 'When to use colour on the terminal (NO_COLOR is honoured)'
            cand --identity 'Unlock with this age identity file instead of a passphrase'
            cand --key-file 'Act as an agent, with the agent key in this file'
            cand --json 'Print machine-readable JSON ("schema": 1) instead of tables'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Explain what is happening on stderr (never secret values)'
            cand --verbose 'Explain what is happening on stderr (never secret values)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand list 'List entries, oldest first (a table; JSON Lines under --json)'
            cand verify 'Recompute the hash chain and check every checkpoint (exit 65 on any failure)'
            cand checkpoint 'Sign a checkpoint of the log''s current size and head, to keep outside the vault'
            cand tail 'Print the last entries, and with -f every new one as it is appended'
            cand anomalies 'Report anomalies: call-rate bursts, failure spikes, denial bursts, first uses, stale keys'
            cand hash 'Print the HMAC form of a value, as stored in argv_hmac / params_hmac, to search the log'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'agentcred;audit;list'= {
            cand --agent 'Only entries about this agent'
            cand --action 'Only this action (e.g. cred.mint), or a family ending in * (e.g. ''cred.*'')'
            cand --result 'Only this result'
            cand --since 'Only entries at or after this time: a duration ago (1h, 7d) or RFC 3339'
            cand --until 'Only entries before this time: a duration ago (1h, 7d) or RFC 3339'
            cand --limit 'Only the last N matching entries [default on a terminal: 100]'
            cand --vault 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]'
            cand --color 'When to use colour on the terminal (NO_COLOR is honoured)'
            cand --identity 'Unlock with this age identity file instead of a passphrase'
            cand --key-file 'Act as an agent, with the agent key in this file'
            cand --json 'Print machine-readable JSON ("schema": 1) instead of tables'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Explain what is happening on stderr (never secret values)'
            cand --verbose 'Explain what is happening on stderr (never secret values)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'agentcred;audit;verify'= {
            cand --checkpoint 'Also check against a checkpoint kept outside the vault (from `audit checkpoint`; repeatable)'
            cand --witness 'Also check against the latest checkpoint the witness holds: COMMAND (run with `sh -c`, given the argument `get`), or without a value the `[audit] witness` of config.toml'
            cand --vault 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]'
            cand --color 'When to use colour on the terminal (NO_COLOR is honoured)'
            cand --identity 'Unlock with this age identity file instead of a passphrase'
            cand --key-file 'Act as an agent, with the agent key in this file'
            cand --full 'Check every entry''s signature, also those a checkpoint''s signer already checked'
            cand --json 'Print machine-readable JSON ("schema": 1) instead of tables'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Explain what is happening on stderr (never secret values)'
            cand --verbose 'Explain what is happening on stderr (never secret values)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'agentcred;audit;checkpoint'= {
            cand --vault 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]'
            cand --color 'When to use colour on the terminal (NO_COLOR is honoured)'
            cand --identity 'Unlock with this age identity file instead of a passphrase'
            cand --key-file 'Act as an agent, with the agent key in this file'
            cand --json 'Print machine-readable JSON ("schema": 1) instead of tables'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Explain what is happening on stderr (never secret values)'
            cand --verbose 'Explain what is happening on stderr (never secret values)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'agentcred;audit;tail'= {
            cand -n 'How many of the last entries to print first'
            cand --lines 'How many of the last entries to print first'
            cand --vault 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]'
            cand --color 'When to use colour on the terminal (NO_COLOR is honoured)'
            cand --identity 'Unlock with this age identity file instead of a passphrase'
            cand --key-file 'Act as an agent, with the agent key in this file'
            cand -f 'Keep printing entries as they are appended, by this or any other process'
            cand --follow 'Keep printing entries as they are appended, by this or any other process'
            cand --json 'Print machine-readable JSON ("schema": 1) instead of tables'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Explain what is happening on stderr (never secret values)'
            cand --verbose 'Explain what is happening on stderr (never secret values)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'agentcred;audit;anomalies'= {
            cand --since 'Only anomalies at or after this time: a duration ago (24h, 7d) or RFC 3339'
            cand --vault 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]'
            cand --color 'When to use colour on the terminal (NO_COLOR is honoured)'
            cand --identity 'Unlock with this age identity file instead of a passphrase'
            cand --key-file 'Act as an agent, with the agent key in this file'
            cand --json 'Print machine-readable JSON ("schema": 1) instead of tables'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Explain what is happening on stderr (never secret values)'
            cand --verbose 'Explain what is happening on stderr (never secret values)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'agentcred;audit;hash'= {
            cand --vault 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]'
            cand --color 'When to use colour on the terminal (NO_COLOR is honoured)'
            cand --identity 'Unlock with this age identity file instead of a passphrase'
            cand --key-file 'Act as an agent, with the agent key in this file'
            cand --stdin 'Read the value from stdin (one trailing newline is dropped)'
            cand --json 'Print machine-readable JSON ("schema": 1) instead of tables'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Explain what is happening on stderr (never secret values)'
            cand --verbose 'Explain what is happening on stderr (never secret values)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'agentcred;audit;help'= {
            cand list 'List entries, oldest first (a table; JSON Lines under --json)'
            cand verify 'Recompute the hash chain and check every checkpoint (exit 65 on any failure)'
            cand checkpoint 'Sign a checkpoint of the log''s current size and head, to keep outside the vault'
            cand tail 'Print the last entries, and with -f every new one as it is appended'
            cand anomalies 'Report anomalies: call-rate bursts, failure spikes, denial bursts, first uses, stale keys'
            cand hash 'Print the HMAC form of a value, as stored in argv_hmac / params_hmac, to search the log'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'agentcred;audit;help;list'= {
        }
        &'agentcred;audit;help;verify'= {
        }
        &'agentcred;audit;help;checkpoint'= {
        }
        &'agentcred;audit;help;tail'= {
        }
        &'agentcred;audit;help;anomalies'= {
        }
        &'agentcred;audit;help;hash'= {
        }
        &'agentcred;audit;help;help'= {
        }
        &'agentcred;export-policy'= {
            cand --out 'Write it to this new file (0600) instead of printing it'
            cand --vault 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]'
            cand --color 'When to use colour on the terminal (NO_COLOR is honoured)'
            cand --identity 'Unlock with this age identity file instead of a passphrase'
            cand --key-file 'Act as an agent, with the agent key in this file'
            cand --force 'With --out: replace the file if it exists'
            cand --json 'Print machine-readable JSON ("schema": 1) instead of tables'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Explain what is happening on stderr (never secret values)'
            cand --verbose 'Explain what is happening on stderr (never secret values)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'agentcred;plan'= {
            cand --out 'Also save the plan to this new file (0600), for `agentcred apply PLAN`'
            cand --vault 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]'
            cand --color 'When to use colour on the terminal (NO_COLOR is honoured)'
            cand --identity 'Unlock with this age identity file instead of a passphrase'
            cand --key-file 'Act as an agent, with the agent key in this file'
            cand --force 'With --out: replace the file if it exists'
            cand --json 'Print machine-readable JSON ("schema": 1) instead of tables'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Explain what is happening on stderr (never secret values)'
            cand --verbose 'Explain what is happening on stderr (never secret values)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'agentcred;apply'= {
            cand --vault 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]'
            cand --color 'When to use colour on the terminal (NO_COLOR is honoured)'
            cand --identity 'Unlock with this age identity file instead of a passphrase'
            cand --key-file 'Act as an agent, with the agent key in this file'
            cand -y 'Do not ask for confirmation'
            cand --yes 'Do not ask for confirmation'
            cand --json 'Print machine-readable JSON ("schema": 1) instead of tables'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Explain what is happening on stderr (never secret values)'
            cand --verbose 'Explain what is happening on stderr (never secret values)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'agentcred;policy'= {
            cand --vault 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]'
            cand --color 'When to use colour on the terminal (NO_COLOR is honoured)'
            cand --identity 'Unlock with this age identity file instead of a passphrase'
            cand --key-file 'Act as an agent, with the agent key in this file'
            cand --json 'Print machine-readable JSON ("schema": 1) instead of tables'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Explain what is happening on stderr (never secret values)'
            cand --verbose 'Explain what is happening on stderr (never secret values)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand schema 'Print the JSON Schema of the policy file, for editors'
            cand check 'Check a policy file without a vault (exit 0 valid, 65 invalid, with line and column)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'agentcred;policy;schema'= {
            cand --vault 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]'
            cand --color 'When to use colour on the terminal (NO_COLOR is honoured)'
            cand --identity 'Unlock with this age identity file instead of a passphrase'
            cand --key-file 'Act as an agent, with the agent key in this file'
            cand --json 'Print machine-readable JSON ("schema": 1) instead of tables'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Explain what is happening on stderr (never secret values)'
            cand --verbose 'Explain what is happening on stderr (never secret values)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'agentcred;policy;check'= {
            cand --vault 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]'
            cand --color 'When to use colour on the terminal (NO_COLOR is honoured)'
            cand --identity 'Unlock with this age identity file instead of a passphrase'
            cand --key-file 'Act as an agent, with the agent key in this file'
            cand --json 'Print machine-readable JSON ("schema": 1) instead of tables'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Explain what is happening on stderr (never secret values)'
            cand --verbose 'Explain what is happening on stderr (never secret values)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'agentcred;policy;help'= {
            cand schema 'Print the JSON Schema of the policy file, for editors'
            cand check 'Check a policy file without a vault (exit 0 valid, 65 invalid, with line and column)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'agentcred;policy;help;schema'= {
        }
        &'agentcred;policy;help;check'= {
        }
        &'agentcred;policy;help;help'= {
        }
        &'agentcred;git-credential'= {
            cand --agent 'The agent (with an agent key: the key''s agent, the default) [default: $AGENTCRED_AGENT, else `[helpers] agent` in config.toml]'
            cand --ttl 'Lifetime of each credential minted, e.g. 1h [default: the agent''s default TTL]'
            cand --secret 'Serve this secret for every host git asks about (scope the helper to a URL in git''s config) [default: the granted secret bound to the host, else named after it]'
            cand --username 'The user name to answer with [default: the one git sends, else x-access-token]'
            cand --vault 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]'
            cand --color 'When to use colour on the terminal (NO_COLOR is honoured)'
            cand --identity 'Unlock with this age identity file instead of a passphrase'
            cand --key-file 'Act as an agent, with the agent key in this file'
            cand --json 'Print machine-readable JSON ("schema": 1) instead of tables'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Explain what is happening on stderr (never secret values)'
            cand --verbose 'Explain what is happening on stderr (never secret values)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'agentcred;aws-credential-process'= {
            cand --agent 'The agent (with an agent key: the key''s agent, the default) [default: $AGENTCRED_AGENT, else `[helpers] agent` in config.toml]'
            cand --ttl 'Lifetime of each credential minted, e.g. 1h [default: the agent''s default TTL]'
            cand --secret 'The secret holding the key pair, as JSON: {"AccessKeyId": …, "SecretAccessKey": …, "SessionToken": … (optional)}'
            cand --vault 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]'
            cand --color 'When to use colour on the terminal (NO_COLOR is honoured)'
            cand --identity 'Unlock with this age identity file instead of a passphrase'
            cand --key-file 'Act as an agent, with the agent key in this file'
            cand --json 'Print machine-readable JSON ("schema": 1) instead of tables'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Explain what is happening on stderr (never secret values)'
            cand --verbose 'Explain what is happening on stderr (never secret values)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'agentcred;docker-credential'= {
            cand --agent 'The agent (with an agent key: the key''s agent, the default) [default: $AGENTCRED_AGENT, else `[helpers] agent` in config.toml]'
            cand --ttl 'Lifetime of each credential minted, e.g. 1h [default: the agent''s default TTL]'
            cand --username 'The user name to answer with [default: x-access-token]'
            cand --vault 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]'
            cand --color 'When to use colour on the terminal (NO_COLOR is honoured)'
            cand --identity 'Unlock with this age identity file instead of a passphrase'
            cand --key-file 'Act as an agent, with the agent key in this file'
            cand --json 'Print machine-readable JSON ("schema": 1) instead of tables'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Explain what is happening on stderr (never secret values)'
            cand --verbose 'Explain what is happening on stderr (never secret values)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'agentcred;kube-credential'= {
            cand --agent 'The agent (with an agent key: the key''s agent, the default) [default: $AGENTCRED_AGENT, else `[helpers] agent` in config.toml]'
            cand --ttl 'Lifetime of each credential minted, e.g. 1h [default: the agent''s default TTL]'
            cand --secret 'The secret holding the bearer token'
            cand --vault 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]'
            cand --color 'When to use colour on the terminal (NO_COLOR is honoured)'
            cand --identity 'Unlock with this age identity file instead of a passphrase'
            cand --key-file 'Act as an agent, with the agent key in this file'
            cand --json 'Print machine-readable JSON ("schema": 1) instead of tables'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Explain what is happening on stderr (never secret values)'
            cand --verbose 'Explain what is happening on stderr (never secret values)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'agentcred;demo'= {
            cand --vault 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]'
            cand --color 'When to use colour on the terminal (NO_COLOR is honoured)'
            cand --identity 'Unlock with this age identity file instead of a passphrase'
            cand --key-file 'Act as an agent, with the agent key in this file'
            cand --json 'Print machine-readable JSON ("schema": 1) instead of tables'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Explain what is happening on stderr (never secret values)'
            cand --verbose 'Explain what is happening on stderr (never secret values)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'agentcred;completions'= {
            cand --vault 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]'
            cand --color 'When to use colour on the terminal (NO_COLOR is honoured)'
            cand --identity 'Unlock with this age identity file instead of a passphrase'
            cand --key-file 'Act as an agent, with the agent key in this file'
            cand --json 'Print machine-readable JSON ("schema": 1) instead of tables'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Explain what is happening on stderr (never secret values)'
            cand --verbose 'Explain what is happening on stderr (never secret values)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'agentcred;help'= {
            cand init 'Create a new vault'
            cand status 'Show the vault, what it holds, and anything that needs attention'
            cand unlock 'Unlock the vault for a while: later admin commands need no passphrase'
            cand lock 'End the unlock session `agentcred unlock` started'
            cand identity 'The admin identity'
            cand recipients 'Extra age recipients the vault state is encrypted to (team members, CI)'
            cand agent 'Register and manage agents'
            cand secret 'Store and manage upstream secrets (values never on the command line)'
            cand grant 'Grant an agent a secret with a scope; `grant list`, `grant revoke GRANT_ID`'
            cand key 'Issue, list and revoke agent keys (what a CI step holds instead of the master key)'
            cand mint 'Mint a short-lived credential for an agent'
            cand verify 'Verify a credential token offline (exit 0 allowed, 3 denied, 65 malformed or forged)'
            cand present 'Present a token as its holder: append a fresh proof that you hold the holder''s key'
            cand creds 'List and revoke credentials'
            cand exec 'Run a program with an agent''s short-lived credential in its environment'
            cand broker 'Run a broker on its own, for a program started elsewhere (a container, an IDE)'
            cand mcp 'An MCP server over stdio: HTTP requests with brokered secrets, for agent harnesses'
            cand delegate 'Hand another agent a narrower part of an agent''s rights, as a signed token'
            cand rotate 'What is due for rotation (`rotate --due`), and rotating it (`--apply`)'
            cand audit 'Query, verify and watch the tamper-evident audit log'
            cand export-policy 'Write the vault''s policy (agents, limits, secrets'' metadata, grants) as a TOML file'
            cand plan 'Show what applying a policy file would change (exit 0 none, 2 changes, 65 invalid file)'
            cand apply 'Make the vault''s policy that of a file (or of a saved plan), in one commit'
            cand policy 'The policy file''s JSON Schema, and checking a file without a vault'
            cand git-credential 'git''s credential helper: each request answered with a freshly minted, audited credential'
            cand aws-credential-process 'AWS credential_process: a key pair from a secret, with the credential''s expiry'
            cand docker-credential 'docker''s credential helper (also run as docker-credential-agentcred)'
            cand kube-credential 'kubectl''s exec credential plugin: a bearer token as an ExecCredential'
            cand demo 'A walk-through of everything, in a throwaway vault that is removed afterwards'
            cand completions 'Print a shell completion script'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'agentcred;help;init'= {
        }
        &'agentcred;help;status'= {
        }
        &'agentcred;help;unlock'= {
        }
        &'agentcred;help;lock'= {
        }
        &'agentcred;help;identity'= {
            cand export 'Print the admin age identity (AGE-SECRET-KEY-1…), for recovery with stock age'
            cand rotate-issuer 'Start signing tokens with a new issuer key; tokens of the old one verify until the overlap ends'
        }
        &'agentcred;help;identity;export'= {
        }
        &'agentcred;help;identity;rotate-issuer'= {
        }
        &'agentcred;help;recipients'= {
            cand list 'List the recipients'
            cand add 'Add a recipient and re-encrypt the vault to it'
            cand remove 'Remove a recipient and re-encrypt the vault without it'
        }
        &'agentcred;help;recipients;list'= {
        }
        &'agentcred;help;recipients;add'= {
        }
        &'agentcred;help;recipients;remove'= {
        }
        &'agentcred;help;agent'= {
            cand add 'Register one or more agents (one write for all)'
            cand list 'List agents'
            cand show 'Show one agent'
            cand suspend 'Suspend an agent: it can mint nothing until resumed'
            cand resume 'Resume a suspended agent'
            cand remove 'Remove an agent and everything granted to it'
        }
        &'agentcred;help;agent;add'= {
        }
        &'agentcred;help;agent;list'= {
        }
        &'agentcred;help;agent;show'= {
        }
        &'agentcred;help;agent;suspend'= {
        }
        &'agentcred;help;agent;resume'= {
        }
        &'agentcred;help;agent;remove'= {
        }
        &'agentcred;help;secret'= {
            cand set 'Store a secret, or a new version of it (value from a prompt, stdin, a file, or generated)'
            cand add 'Add a secret whose value OpenBao provides: a token or a lease per credential, or a KV field'
            cand edit 'Change a secret''s metadata: variable, max age, bound hosts, delivery (never the value)'
            cand list 'List secrets (metadata only)'
            cand show 'Show a secret''s metadata and versions (never the value)'
            cand remove 'Remove a secret and destroy all its versions'
            cand rotate 'Rotate a secret with an overlap window, or stage and finish a rotation'
        }
        &'agentcred;help;secret;set'= {
        }
        &'agentcred;help;secret;add'= {
        }
        &'agentcred;help;secret;edit'= {
        }
        &'agentcred;help;secret;list'= {
        }
        &'agentcred;help;secret;show'= {
        }
        &'agentcred;help;secret;remove'= {
        }
        &'agentcred;help;secret;rotate'= {
        }
        &'agentcred;help;grant'= {
            cand list 'List grants'
            cand revoke 'Revoke a grant (credentials minted under it are revoked too)'
        }
        &'agentcred;help;grant;list'= {
        }
        &'agentcred;help;grant;revoke'= {
        }
        &'agentcred;help;key'= {
            cand issue 'Issue a key for an agent; it is printed once (or written to --out, 0600)'
            cand list 'List keys (public data only)'
            cand revoke 'Revoke a key now; credentials it minted are revoked too'
            cand rotate 'Issue a new key for an agent; its current keys keep working until the overlap ends'
        }
        &'agentcred;help;key;issue'= {
        }
        &'agentcred;help;key;list'= {
        }
        &'agentcred;help;key;revoke'= {
        }
        &'agentcred;help;key;rotate'= {
        }
        &'agentcred;help;mint'= {
        }
        &'agentcred;help;verify'= {
        }
        &'agentcred;help;present'= {
        }
        &'agentcred;help;creds'= {
            cand list 'List credentials (metadata only)'
            cand revoke 'Revoke one credential (and everything derived from it), or all of an agent''s'
        }
        &'agentcred;help;creds;list'= {
        }
        &'agentcred;help;creds;revoke'= {
        }
        &'agentcred;help;exec'= {
        }
        &'agentcred;help;broker'= {
        }
        &'agentcred;help;mcp'= {
        }
        &'agentcred;help;delegate'= {
        }
        &'agentcred;help;rotate'= {
        }
        &'agentcred;help;audit'= {
            cand list 'List entries, oldest first (a table; JSON Lines under --json)'
            cand verify 'Recompute the hash chain and check every checkpoint (exit 65 on any failure)'
            cand checkpoint 'Sign a checkpoint of the log''s current size and head, to keep outside the vault'
            cand tail 'Print the last entries, and with -f every new one as it is appended'
            cand anomalies 'Report anomalies: call-rate bursts, failure spikes, denial bursts, first uses, stale keys'
            cand hash 'Print the HMAC form of a value, as stored in argv_hmac / params_hmac, to search the log'
        }
        &'agentcred;help;audit;list'= {
        }
        &'agentcred;help;audit;verify'= {
        }
        &'agentcred;help;audit;checkpoint'= {
        }
        &'agentcred;help;audit;tail'= {
        }
        &'agentcred;help;audit;anomalies'= {
        }
        &'agentcred;help;audit;hash'= {
        }
        &'agentcred;help;export-policy'= {
        }
        &'agentcred;help;plan'= {
        }
        &'agentcred;help;apply'= {
        }
        &'agentcred;help;policy'= {
            cand schema 'Print the JSON Schema of the policy file, for editors'
            cand check 'Check a policy file without a vault (exit 0 valid, 65 invalid, with line and column)'
        }
        &'agentcred;help;policy;schema'= {
        }
        &'agentcred;help;policy;check'= {
        }
        &'agentcred;help;git-credential'= {
        }
        &'agentcred;help;aws-credential-process'= {
        }
        &'agentcred;help;docker-credential'= {
        }
        &'agentcred;help;kube-credential'= {
        }
        &'agentcred;help;demo'= {
        }
        &'agentcred;help;completions'= {
        }
        &'agentcred;help;help'= {
        }
    ]
    $completions[$command]
}
