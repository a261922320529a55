# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_agentcred_global_optspecs
    string join \n vault= json color= q/quiet v/verbose identity= key-file= h/help V/version
end

function __fish_agentcred_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_agentcred_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_agentcred_using_subcommand
    set -l cmd (__fish_agentcred_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c agentcred -n "__fish_agentcred_needs_command" -l vault -d 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]' -r -F
complete -c agentcred -n "__fish_agentcred_needs_command" -l color -d 'When to use colour on the terminal (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c agentcred -n "__fish_agentcred_needs_command" -l identity -d 'Unlock with this age identity file instead of a passphrase' -r -F
complete -c agentcred -n "__fish_agentcred_needs_command" -l key-file -d 'Act as an agent, with the agent key in this file' -r -F
complete -c agentcred -n "__fish_agentcred_needs_command" -l json -d 'Print machine-readable JSON ("schema": 1) instead of tables'
complete -c agentcred -n "__fish_agentcred_needs_command" -s q -l quiet -d 'Print only data and errors'
complete -c agentcred -n "__fish_agentcred_needs_command" -s v -l verbose -d 'Explain what is happening on stderr (never secret values)'
complete -c agentcred -n "__fish_agentcred_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c agentcred -n "__fish_agentcred_needs_command" -s V -l version -d 'Print version'
complete -c agentcred -n "__fish_agentcred_needs_command" -f -a "init" -d 'Create a new vault'
complete -c agentcred -n "__fish_agentcred_needs_command" -f -a "status" -d 'Show the vault, what it holds, and anything that needs attention'
complete -c agentcred -n "__fish_agentcred_needs_command" -f -a "unlock" -d 'Unlock the vault for a while: later admin commands need no passphrase'
complete -c agentcred -n "__fish_agentcred_needs_command" -f -a "lock" -d 'End the unlock session `agentcred unlock` started'
complete -c agentcred -n "__fish_agentcred_needs_command" -f -a "identity" -d 'The admin identity'
complete -c agentcred -n "__fish_agentcred_needs_command" -f -a "recipients" -d 'Extra age recipients the vault state is encrypted to (team members, CI)'
complete -c agentcred -n "__fish_agentcred_needs_command" -f -a "agent" -d 'Register and manage agents'
complete -c agentcred -n "__fish_agentcred_needs_command" -f -a "secret" -d 'Store and manage upstream secrets (values never on the command line)'
complete -c agentcred -n "__fish_agentcred_needs_command" -f -a "grant" -d 'Grant an agent a secret with a scope; `grant list`, `grant revoke GRANT_ID`'
complete -c agentcred -n "__fish_agentcred_needs_command" -f -a "key" -d 'Issue, list and revoke agent keys (what a CI step holds instead of the master key)'
complete -c agentcred -n "__fish_agentcred_needs_command" -f -a "mint" -d 'Mint a short-lived credential for an agent'
complete -c agentcred -n "__fish_agentcred_needs_command" -f -a "verify" -d 'Verify a credential token offline (exit 0 allowed, 3 denied, 65 malformed or forged)'
complete -c agentcred -n "__fish_agentcred_needs_command" -f -a "present" -d 'Present a token as its holder: append a fresh proof that you hold the holder\'s key'
complete -c agentcred -n "__fish_agentcred_needs_command" -f -a "creds" -d 'List and revoke credentials'
complete -c agentcred -n "__fish_agentcred_needs_command" -f -a "exec" -d 'Run a program with an agent\'s short-lived credential in its environment'
complete -c agentcred -n "__fish_agentcred_needs_command" -f -a "broker" -d 'Run a broker on its own, for a program started elsewhere (a container, an IDE)'
complete -c agentcred -n "__fish_agentcred_needs_command" -f -a "mcp" -d 'An MCP server over stdio: HTTP requests with brokered secrets, for agent harnesses'
complete -c agentcred -n "__fish_agentcred_needs_command" -f -a "delegate" -d 'Hand another agent a narrower part of an agent\'s rights, as a signed token'
complete -c agentcred -n "__fish_agentcred_needs_command" -f -a "rotate" -d 'What is due for rotation (`rotate --due`), and rotating it (`--apply`)'
complete -c agentcred -n "__fish_agentcred_needs_command" -f -a "audit" -d 'Query, verify and watch the tamper-evident audit log'
complete -c agentcred -n "__fish_agentcred_needs_command" -f -a "export-policy" -d 'Write the vault\'s policy (agents, limits, secrets\' metadata, grants) as a TOML file'
complete -c agentcred -n "__fish_agentcred_needs_command" -f -a "plan" -d 'Show what applying a policy file would change (exit 0 none, 2 changes, 65 invalid file)'
complete -c agentcred -n "__fish_agentcred_needs_command" -f -a "apply" -d 'Make the vault\'s policy that of a file (or of a saved plan), in one commit'
complete -c agentcred -n "__fish_agentcred_needs_command" -f -a "policy" -d 'The policy file\'s JSON Schema, and checking a file without a vault'
complete -c agentcred -n "__fish_agentcred_needs_command" -f -a "git-credential" -d 'git\'s credential helper: each request answered with a freshly minted, audited credential'
complete -c agentcred -n "__fish_agentcred_needs_command" -f -a "aws-credential-process" -d 'AWS credential_process: a key pair from a secret, with the credential\'s expiry'
complete -c agentcred -n "__fish_agentcred_needs_command" -f -a "docker-credential" -d 'docker\'s credential helper (also run as docker-credential-agentcred)'
complete -c agentcred -n "__fish_agentcred_needs_command" -f -a "kube-credential" -d 'kubectl\'s exec credential plugin: a bearer token as an ExecCredential'
complete -c agentcred -n "__fish_agentcred_needs_command" -f -a "demo" -d 'A walk-through of everything, in a throwaway vault that is removed afterwards'
complete -c agentcred -n "__fish_agentcred_needs_command" -f -a "completions" -d 'Print a shell completion script'
complete -c agentcred -n "__fish_agentcred_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c agentcred -n "__fish_agentcred_using_subcommand init" -l recipient -d 'Also encrypt the vault to this age recipient (repeatable)' -r
complete -c agentcred -n "__fish_agentcred_using_subcommand init" -l identity-out -d 'Where to write the generated identity (created 0600; must not exist)' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand init" -l kdf-memory-kib -d 'Argon2id memory in KiB [default: 65536]' -r
complete -c agentcred -n "__fish_agentcred_using_subcommand init" -l kdf-iterations -d 'Argon2id iterations [default: 3]' -r
complete -c agentcred -n "__fish_agentcred_using_subcommand init" -l kdf-parallelism -d 'Argon2id parallelism [default: 4]' -r
complete -c agentcred -n "__fish_agentcred_using_subcommand init" -l vault -d 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand init" -l color -d 'When to use colour on the terminal (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c agentcred -n "__fish_agentcred_using_subcommand init" -l identity -d 'Unlock with this age identity file instead of a passphrase' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand init" -l key-file -d 'Act as an agent, with the agent key in this file' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand init" -l no-passphrase -d 'Use a generated age identity instead of a passphrase (needs --identity-out)'
complete -c agentcred -n "__fish_agentcred_using_subcommand init" -l json -d 'Print machine-readable JSON ("schema": 1) instead of tables'
complete -c agentcred -n "__fish_agentcred_using_subcommand init" -s q -l quiet -d 'Print only data and errors'
complete -c agentcred -n "__fish_agentcred_using_subcommand init" -s v -l verbose -d 'Explain what is happening on stderr (never secret values)'
complete -c agentcred -n "__fish_agentcred_using_subcommand init" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c agentcred -n "__fish_agentcred_using_subcommand status" -l vault -d 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand status" -l color -d 'When to use colour on the terminal (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c agentcred -n "__fish_agentcred_using_subcommand status" -l identity -d 'Unlock with this age identity file instead of a passphrase' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand status" -l key-file -d 'Act as an agent, with the agent key in this file' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand status" -l json -d 'Print machine-readable JSON ("schema": 1) instead of tables'
complete -c agentcred -n "__fish_agentcred_using_subcommand status" -s q -l quiet -d 'Print only data and errors'
complete -c agentcred -n "__fish_agentcred_using_subcommand status" -s v -l verbose -d 'Explain what is happening on stderr (never secret values)'
complete -c agentcred -n "__fish_agentcred_using_subcommand status" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c agentcred -n "__fish_agentcred_using_subcommand unlock" -l for -d 'How long the session lasts at most' -r
complete -c agentcred -n "__fish_agentcred_using_subcommand unlock" -l idle -d 'End the session after this long without a command using it' -r
complete -c agentcred -n "__fish_agentcred_using_subcommand unlock" -l vault -d 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand unlock" -l color -d 'When to use colour on the terminal (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c agentcred -n "__fish_agentcred_using_subcommand unlock" -l identity -d 'Unlock with this age identity file instead of a passphrase' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand unlock" -l key-file -d 'Act as an agent, with the agent key in this file' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand unlock" -l json -d 'Print machine-readable JSON ("schema": 1) instead of tables'
complete -c agentcred -n "__fish_agentcred_using_subcommand unlock" -s q -l quiet -d 'Print only data and errors'
complete -c agentcred -n "__fish_agentcred_using_subcommand unlock" -s v -l verbose -d 'Explain what is happening on stderr (never secret values)'
complete -c agentcred -n "__fish_agentcred_using_subcommand unlock" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c agentcred -n "__fish_agentcred_using_subcommand lock" -l vault -d 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand lock" -l color -d 'When to use colour on the terminal (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c agentcred -n "__fish_agentcred_using_subcommand lock" -l identity -d 'Unlock with this age identity file instead of a passphrase' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand lock" -l key-file -d 'Act as an agent, with the agent key in this file' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand lock" -l json -d 'Print machine-readable JSON ("schema": 1) instead of tables'
complete -c agentcred -n "__fish_agentcred_using_subcommand lock" -s q -l quiet -d 'Print only data and errors'
complete -c agentcred -n "__fish_agentcred_using_subcommand lock" -s v -l verbose -d 'Explain what is happening on stderr (never secret values)'
complete -c agentcred -n "__fish_agentcred_using_subcommand lock" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c agentcred -n "__fish_agentcred_using_subcommand identity; and not __fish_seen_subcommand_from export rotate-issuer help" -l vault -d 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand identity; and not __fish_seen_subcommand_from export rotate-issuer help" -l color -d 'When to use colour on the terminal (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c agentcred -n "__fish_agentcred_using_subcommand identity; and not __fish_seen_subcommand_from export rotate-issuer help" -l identity -d 'Unlock with this age identity file instead of a passphrase' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand identity; and not __fish_seen_subcommand_from export rotate-issuer help" -l key-file -d 'Act as an agent, with the agent key in this file' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand identity; and not __fish_seen_subcommand_from export rotate-issuer help" -l json -d 'Print machine-readable JSON ("schema": 1) instead of tables'
complete -c agentcred -n "__fish_agentcred_using_subcommand identity; and not __fish_seen_subcommand_from export rotate-issuer help" -s q -l quiet -d 'Print only data and errors'
complete -c agentcred -n "__fish_agentcred_using_subcommand identity; and not __fish_seen_subcommand_from export rotate-issuer help" -s v -l verbose -d 'Explain what is happening on stderr (never secret values)'
complete -c agentcred -n "__fish_agentcred_using_subcommand identity; and not __fish_seen_subcommand_from export rotate-issuer help" -s h -l help -d 'Print help'
complete -c agentcred -n "__fish_agentcred_using_subcommand identity; and not __fish_seen_subcommand_from export rotate-issuer help" -f -a "export" -d 'Print the admin age identity (AGE-SECRET-KEY-1…), for recovery with stock age'
complete -c agentcred -n "__fish_agentcred_using_subcommand identity; and not __fish_seen_subcommand_from export rotate-issuer help" -f -a "rotate-issuer" -d 'Start signing tokens with a new issuer key; tokens of the old one verify until the overlap ends'
complete -c agentcred -n "__fish_agentcred_using_subcommand identity; and not __fish_seen_subcommand_from export rotate-issuer help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c agentcred -n "__fish_agentcred_using_subcommand identity; and __fish_seen_subcommand_from export" -l out -d 'Write it to this new file (0600) instead of printing it' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand identity; and __fish_seen_subcommand_from export" -l vault -d 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand identity; and __fish_seen_subcommand_from export" -l color -d 'When to use colour on the terminal (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c agentcred -n "__fish_agentcred_using_subcommand identity; and __fish_seen_subcommand_from export" -l identity -d 'Unlock with this age identity file instead of a passphrase' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand identity; and __fish_seen_subcommand_from export" -l key-file -d 'Act as an agent, with the agent key in this file' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand identity; and __fish_seen_subcommand_from export" -l force -d 'With --out: replace the file if it exists'
complete -c agentcred -n "__fish_agentcred_using_subcommand identity; and __fish_seen_subcommand_from export" -l json -d 'Print machine-readable JSON ("schema": 1) instead of tables'
complete -c agentcred -n "__fish_agentcred_using_subcommand identity; and __fish_seen_subcommand_from export" -s q -l quiet -d 'Print only data and errors'
complete -c agentcred -n "__fish_agentcred_using_subcommand identity; and __fish_seen_subcommand_from export" -s v -l verbose -d 'Explain what is happening on stderr (never secret values)'
complete -c agentcred -n "__fish_agentcred_using_subcommand identity; and __fish_seen_subcommand_from export" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c agentcred -n "__fish_agentcred_using_subcommand identity; and __fish_seen_subcommand_from rotate-issuer" -l overlap -d 'How long tokens signed by the old key keep verifying' -r
complete -c agentcred -n "__fish_agentcred_using_subcommand identity; and __fish_seen_subcommand_from rotate-issuer" -l vault -d 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand identity; and __fish_seen_subcommand_from rotate-issuer" -l color -d 'When to use colour on the terminal (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c agentcred -n "__fish_agentcred_using_subcommand identity; and __fish_seen_subcommand_from rotate-issuer" -l identity -d 'Unlock with this age identity file instead of a passphrase' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand identity; and __fish_seen_subcommand_from rotate-issuer" -l key-file -d 'Act as an agent, with the agent key in this file' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand identity; and __fish_seen_subcommand_from rotate-issuer" -l json -d 'Print machine-readable JSON ("schema": 1) instead of tables'
complete -c agentcred -n "__fish_agentcred_using_subcommand identity; and __fish_seen_subcommand_from rotate-issuer" -s q -l quiet -d 'Print only data and errors'
complete -c agentcred -n "__fish_agentcred_using_subcommand identity; and __fish_seen_subcommand_from rotate-issuer" -s v -l verbose -d 'Explain what is happening on stderr (never secret values)'
complete -c agentcred -n "__fish_agentcred_using_subcommand identity; and __fish_seen_subcommand_from rotate-issuer" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c agentcred -n "__fish_agentcred_using_subcommand identity; and __fish_seen_subcommand_from help" -f -a "export" -d 'Print the admin age identity (AGE-SECRET-KEY-1…), for recovery with stock age'
complete -c agentcred -n "__fish_agentcred_using_subcommand identity; and __fish_seen_subcommand_from help" -f -a "rotate-issuer" -d 'Start signing tokens with a new issuer key; tokens of the old one verify until the overlap ends'
complete -c agentcred -n "__fish_agentcred_using_subcommand identity; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c agentcred -n "__fish_agentcred_using_subcommand recipients; and not __fish_seen_subcommand_from list add remove help" -l vault -d 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand recipients; and not __fish_seen_subcommand_from list add remove help" -l color -d 'When to use colour on the terminal (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c agentcred -n "__fish_agentcred_using_subcommand recipients; and not __fish_seen_subcommand_from list add remove help" -l identity -d 'Unlock with this age identity file instead of a passphrase' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand recipients; and not __fish_seen_subcommand_from list add remove help" -l key-file -d 'Act as an agent, with the agent key in this file' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand recipients; and not __fish_seen_subcommand_from list add remove help" -l json -d 'Print machine-readable JSON ("schema": 1) instead of tables'
complete -c agentcred -n "__fish_agentcred_using_subcommand recipients; and not __fish_seen_subcommand_from list add remove help" -s q -l quiet -d 'Print only data and errors'
complete -c agentcred -n "__fish_agentcred_using_subcommand recipients; and not __fish_seen_subcommand_from list add remove help" -s v -l verbose -d 'Explain what is happening on stderr (never secret values)'
complete -c agentcred -n "__fish_agentcred_using_subcommand recipients; and not __fish_seen_subcommand_from list add remove help" -s h -l help -d 'Print help'
complete -c agentcred -n "__fish_agentcred_using_subcommand recipients; and not __fish_seen_subcommand_from list add remove help" -f -a "list" -d 'List the recipients'
complete -c agentcred -n "__fish_agentcred_using_subcommand recipients; and not __fish_seen_subcommand_from list add remove help" -f -a "add" -d 'Add a recipient and re-encrypt the vault to it'
complete -c agentcred -n "__fish_agentcred_using_subcommand recipients; and not __fish_seen_subcommand_from list add remove help" -f -a "remove" -d 'Remove a recipient and re-encrypt the vault without it'
complete -c agentcred -n "__fish_agentcred_using_subcommand recipients; and not __fish_seen_subcommand_from list add remove help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c agentcred -n "__fish_agentcred_using_subcommand recipients; and __fish_seen_subcommand_from list" -l vault -d 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand recipients; and __fish_seen_subcommand_from list" -l color -d 'When to use colour on the terminal (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c agentcred -n "__fish_agentcred_using_subcommand recipients; and __fish_seen_subcommand_from list" -l identity -d 'Unlock with this age identity file instead of a passphrase' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand recipients; and __fish_seen_subcommand_from list" -l key-file -d 'Act as an agent, with the agent key in this file' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand recipients; and __fish_seen_subcommand_from list" -l json -d 'Print machine-readable JSON ("schema": 1) instead of tables'
complete -c agentcred -n "__fish_agentcred_using_subcommand recipients; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Print only data and errors'
complete -c agentcred -n "__fish_agentcred_using_subcommand recipients; and __fish_seen_subcommand_from list" -s v -l verbose -d 'Explain what is happening on stderr (never secret values)'
complete -c agentcred -n "__fish_agentcred_using_subcommand recipients; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c agentcred -n "__fish_agentcred_using_subcommand recipients; and __fish_seen_subcommand_from add" -l vault -d 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand recipients; and __fish_seen_subcommand_from add" -l color -d 'When to use colour on the terminal (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c agentcred -n "__fish_agentcred_using_subcommand recipients; and __fish_seen_subcommand_from add" -l identity -d 'Unlock with this age identity file instead of a passphrase' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand recipients; and __fish_seen_subcommand_from add" -l key-file -d 'Act as an agent, with the agent key in this file' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand recipients; and __fish_seen_subcommand_from add" -l json -d 'Print machine-readable JSON ("schema": 1) instead of tables'
complete -c agentcred -n "__fish_agentcred_using_subcommand recipients; and __fish_seen_subcommand_from add" -s q -l quiet -d 'Print only data and errors'
complete -c agentcred -n "__fish_agentcred_using_subcommand recipients; and __fish_seen_subcommand_from add" -s v -l verbose -d 'Explain what is happening on stderr (never secret values)'
complete -c agentcred -n "__fish_agentcred_using_subcommand recipients; and __fish_seen_subcommand_from add" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c agentcred -n "__fish_agentcred_using_subcommand recipients; and __fish_seen_subcommand_from remove" -l vault -d 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand recipients; and __fish_seen_subcommand_from remove" -l color -d 'When to use colour on the terminal (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c agentcred -n "__fish_agentcred_using_subcommand recipients; and __fish_seen_subcommand_from remove" -l identity -d 'Unlock with this age identity file instead of a passphrase' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand recipients; and __fish_seen_subcommand_from remove" -l key-file -d 'Act as an agent, with the agent key in this file' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand recipients; and __fish_seen_subcommand_from remove" -s y -l yes -d 'Do not ask for confirmation'
complete -c agentcred -n "__fish_agentcred_using_subcommand recipients; and __fish_seen_subcommand_from remove" -l json -d 'Print machine-readable JSON ("schema": 1) instead of tables'
complete -c agentcred -n "__fish_agentcred_using_subcommand recipients; and __fish_seen_subcommand_from remove" -s q -l quiet -d 'Print only data and errors'
complete -c agentcred -n "__fish_agentcred_using_subcommand recipients; and __fish_seen_subcommand_from remove" -s v -l verbose -d 'Explain what is happening on stderr (never secret values)'
complete -c agentcred -n "__fish_agentcred_using_subcommand recipients; and __fish_seen_subcommand_from remove" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c agentcred -n "__fish_agentcred_using_subcommand recipients; and __fish_seen_subcommand_from help" -f -a "list" -d 'List the recipients'
complete -c agentcred -n "__fish_agentcred_using_subcommand recipients; and __fish_seen_subcommand_from help" -f -a "add" -d 'Add a recipient and re-encrypt the vault to it'
complete -c agentcred -n "__fish_agentcred_using_subcommand recipients; and __fish_seen_subcommand_from help" -f -a "remove" -d 'Remove a recipient and re-encrypt the vault without it'
complete -c agentcred -n "__fish_agentcred_using_subcommand recipients; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c agentcred -n "__fish_agentcred_using_subcommand agent; and not __fish_seen_subcommand_from add list show suspend resume remove help" -l vault -d 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand agent; and not __fish_seen_subcommand_from add list show suspend resume remove help" -l color -d 'When to use colour on the terminal (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c agentcred -n "__fish_agentcred_using_subcommand agent; and not __fish_seen_subcommand_from add list show suspend resume remove help" -l identity -d 'Unlock with this age identity file instead of a passphrase' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand agent; and not __fish_seen_subcommand_from add list show suspend resume remove help" -l key-file -d 'Act as an agent, with the agent key in this file' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand agent; and not __fish_seen_subcommand_from add list show suspend resume remove help" -l json -d 'Print machine-readable JSON ("schema": 1) instead of tables'
complete -c agentcred -n "__fish_agentcred_using_subcommand agent; and not __fish_seen_subcommand_from add list show suspend resume remove help" -s q -l quiet -d 'Print only data and errors'
complete -c agentcred -n "__fish_agentcred_using_subcommand agent; and not __fish_seen_subcommand_from add list show suspend resume remove help" -s v -l verbose -d 'Explain what is happening on stderr (never secret values)'
complete -c agentcred -n "__fish_agentcred_using_subcommand agent; and not __fish_seen_subcommand_from add list show suspend resume remove help" -s h -l help -d 'Print help'
complete -c agentcred -n "__fish_agentcred_using_subcommand agent; and not __fish_seen_subcommand_from add list show suspend resume remove help" -f -a "add" -d 'Register one or more agents (one write for all)'
complete -c agentcred -n "__fish_agentcred_using_subcommand agent; and not __fish_seen_subcommand_from add list show suspend resume remove help" -f -a "list" -d 'List agents'
complete -c agentcred -n "__fish_agentcred_using_subcommand agent; and not __fish_seen_subcommand_from add list show suspend resume remove help" -f -a "show" -d 'Show one agent'
complete -c agentcred -n "__fish_agentcred_using_subcommand agent; and not __fish_seen_subcommand_from add list show suspend resume remove help" -f -a "suspend" -d 'Suspend an agent: it can mint nothing until resumed'
complete -c agentcred -n "__fish_agentcred_using_subcommand agent; and not __fish_seen_subcommand_from add list show suspend resume remove help" -f -a "resume" -d 'Resume a suspended agent'
complete -c agentcred -n "__fish_agentcred_using_subcommand agent; and not __fish_seen_subcommand_from add list show suspend resume remove help" -f -a "remove" -d 'Remove an agent and everything granted to it'
complete -c agentcred -n "__fish_agentcred_using_subcommand agent; and not __fish_seen_subcommand_from add list show suspend resume remove help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c agentcred -n "__fish_agentcred_using_subcommand agent; and __fish_seen_subcommand_from add" -l description -d 'What the agent is for' -r
complete -c agentcred -n "__fish_agentcred_using_subcommand agent; and __fish_seen_subcommand_from add" -l max-ttl -d 'Longest credential this agent may hold, e.g. 1h' -r
complete -c agentcred -n "__fish_agentcred_using_subcommand agent; and __fish_seen_subcommand_from add" -l rate-limit -d 'Hard limit on mints and execs, e.g. 60/m' -r
complete -c agentcred -n "__fish_agentcred_using_subcommand agent; and __fish_seen_subcommand_from add" -l vault -d 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand agent; and __fish_seen_subcommand_from add" -l color -d 'When to use colour on the terminal (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c agentcred -n "__fish_agentcred_using_subcommand agent; and __fish_seen_subcommand_from add" -l identity -d 'Unlock with this age identity file instead of a passphrase' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand agent; and __fish_seen_subcommand_from add" -l key-file -d 'Act as an agent, with the agent key in this file' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand agent; and __fish_seen_subcommand_from add" -l suspend-on-anomaly -d 'Suspend the agent automatically when an anomaly is detected'
complete -c agentcred -n "__fish_agentcred_using_subcommand agent; and __fish_seen_subcommand_from add" -l json -d 'Print machine-readable JSON ("schema": 1) instead of tables'
complete -c agentcred -n "__fish_agentcred_using_subcommand agent; and __fish_seen_subcommand_from add" -s q -l quiet -d 'Print only data and errors'
complete -c agentcred -n "__fish_agentcred_using_subcommand agent; and __fish_seen_subcommand_from add" -s v -l verbose -d 'Explain what is happening on stderr (never secret values)'
complete -c agentcred -n "__fish_agentcred_using_subcommand agent; and __fish_seen_subcommand_from add" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c agentcred -n "__fish_agentcred_using_subcommand agent; and __fish_seen_subcommand_from list" -l vault -d 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand agent; and __fish_seen_subcommand_from list" -l color -d 'When to use colour on the terminal (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c agentcred -n "__fish_agentcred_using_subcommand agent; and __fish_seen_subcommand_from list" -l identity -d 'Unlock with this age identity file instead of a passphrase' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand agent; and __fish_seen_subcommand_from list" -l key-file -d 'Act as an agent, with the agent key in this file' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand agent; and __fish_seen_subcommand_from list" -l json -d 'Print machine-readable JSON ("schema": 1) instead of tables'
complete -c agentcred -n "__fish_agentcred_using_subcommand agent; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Print only data and errors'
complete -c agentcred -n "__fish_agentcred_using_subcommand agent; and __fish_seen_subcommand_from list" -s v -l verbose -d 'Explain what is happening on stderr (never secret values)'
complete -c agentcred -n "__fish_agentcred_using_subcommand agent; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c agentcred -n "__fish_agentcred_using_subcommand agent; and __fish_seen_subcommand_from show" -l vault -d 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand agent; and __fish_seen_subcommand_from show" -l color -d 'When to use colour on the terminal (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c agentcred -n "__fish_agentcred_using_subcommand agent; and __fish_seen_subcommand_from show" -l identity -d 'Unlock with this age identity file instead of a passphrase' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand agent; and __fish_seen_subcommand_from show" -l key-file -d 'Act as an agent, with the agent key in this file' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand agent; and __fish_seen_subcommand_from show" -l json -d 'Print machine-readable JSON ("schema": 1) instead of tables'
complete -c agentcred -n "__fish_agentcred_using_subcommand agent; and __fish_seen_subcommand_from show" -s q -l quiet -d 'Print only data and errors'
complete -c agentcred -n "__fish_agentcred_using_subcommand agent; and __fish_seen_subcommand_from show" -s v -l verbose -d 'Explain what is happening on stderr (never secret values)'
complete -c agentcred -n "__fish_agentcred_using_subcommand agent; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c agentcred -n "__fish_agentcred_using_subcommand agent; and __fish_seen_subcommand_from suspend" -l vault -d 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand agent; and __fish_seen_subcommand_from suspend" -l color -d 'When to use colour on the terminal (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c agentcred -n "__fish_agentcred_using_subcommand agent; and __fish_seen_subcommand_from suspend" -l identity -d 'Unlock with this age identity file instead of a passphrase' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand agent; and __fish_seen_subcommand_from suspend" -l key-file -d 'Act as an agent, with the agent key in this file' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand agent; and __fish_seen_subcommand_from suspend" -l json -d 'Print machine-readable JSON ("schema": 1) instead of tables'
complete -c agentcred -n "__fish_agentcred_using_subcommand agent; and __fish_seen_subcommand_from suspend" -s q -l quiet -d 'Print only data and errors'
complete -c agentcred -n "__fish_agentcred_using_subcommand agent; and __fish_seen_subcommand_from suspend" -s v -l verbose -d 'Explain what is happening on stderr (never secret values)'
complete -c agentcred -n "__fish_agentcred_using_subcommand agent; and __fish_seen_subcommand_from suspend" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c agentcred -n "__fish_agentcred_using_subcommand agent; and __fish_seen_subcommand_from resume" -l vault -d 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand agent; and __fish_seen_subcommand_from resume" -l color -d 'When to use colour on the terminal (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c agentcred -n "__fish_agentcred_using_subcommand agent; and __fish_seen_subcommand_from resume" -l identity -d 'Unlock with this age identity file instead of a passphrase' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand agent; and __fish_seen_subcommand_from resume" -l key-file -d 'Act as an agent, with the agent key in this file' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand agent; and __fish_seen_subcommand_from resume" -l json -d 'Print machine-readable JSON ("schema": 1) instead of tables'
complete -c agentcred -n "__fish_agentcred_using_subcommand agent; and __fish_seen_subcommand_from resume" -s q -l quiet -d 'Print only data and errors'
complete -c agentcred -n "__fish_agentcred_using_subcommand agent; and __fish_seen_subcommand_from resume" -s v -l verbose -d 'Explain what is happening on stderr (never secret values)'
complete -c agentcred -n "__fish_agentcred_using_subcommand agent; and __fish_seen_subcommand_from resume" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c agentcred -n "__fish_agentcred_using_subcommand agent; and __fish_seen_subcommand_from remove" -l vault -d 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand agent; and __fish_seen_subcommand_from remove" -l color -d 'When to use colour on the terminal (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c agentcred -n "__fish_agentcred_using_subcommand agent; and __fish_seen_subcommand_from remove" -l identity -d 'Unlock with this age identity file instead of a passphrase' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand agent; and __fish_seen_subcommand_from remove" -l key-file -d 'Act as an agent, with the agent key in this file' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand agent; and __fish_seen_subcommand_from remove" -s y -l yes -d 'Do not ask for confirmation'
complete -c agentcred -n "__fish_agentcred_using_subcommand agent; and __fish_seen_subcommand_from remove" -l json -d 'Print machine-readable JSON ("schema": 1) instead of tables'
complete -c agentcred -n "__fish_agentcred_using_subcommand agent; and __fish_seen_subcommand_from remove" -s q -l quiet -d 'Print only data and errors'
complete -c agentcred -n "__fish_agentcred_using_subcommand agent; and __fish_seen_subcommand_from remove" -s v -l verbose -d 'Explain what is happening on stderr (never secret values)'
complete -c agentcred -n "__fish_agentcred_using_subcommand agent; and __fish_seen_subcommand_from remove" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c agentcred -n "__fish_agentcred_using_subcommand agent; and __fish_seen_subcommand_from help" -f -a "add" -d 'Register one or more agents (one write for all)'
complete -c agentcred -n "__fish_agentcred_using_subcommand agent; and __fish_seen_subcommand_from help" -f -a "list" -d 'List agents'
complete -c agentcred -n "__fish_agentcred_using_subcommand agent; and __fish_seen_subcommand_from help" -f -a "show" -d 'Show one agent'
complete -c agentcred -n "__fish_agentcred_using_subcommand agent; and __fish_seen_subcommand_from help" -f -a "suspend" -d 'Suspend an agent: it can mint nothing until resumed'
complete -c agentcred -n "__fish_agentcred_using_subcommand agent; and __fish_seen_subcommand_from help" -f -a "resume" -d 'Resume a suspended agent'
complete -c agentcred -n "__fish_agentcred_using_subcommand agent; and __fish_seen_subcommand_from help" -f -a "remove" -d 'Remove an agent and everything granted to it'
complete -c agentcred -n "__fish_agentcred_using_subcommand agent; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c agentcred -n "__fish_agentcred_using_subcommand secret; and not __fish_seen_subcommand_from set add edit list show remove rotate help" -l vault -d 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand secret; and not __fish_seen_subcommand_from set add edit list show remove rotate help" -l color -d 'When to use colour on the terminal (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c agentcred -n "__fish_agentcred_using_subcommand secret; and not __fish_seen_subcommand_from set add edit list show remove rotate help" -l identity -d 'Unlock with this age identity file instead of a passphrase' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand secret; and not __fish_seen_subcommand_from set add edit list show remove rotate help" -l key-file -d 'Act as an agent, with the agent key in this file' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand secret; and not __fish_seen_subcommand_from set add edit list show remove rotate help" -l json -d 'Print machine-readable JSON ("schema": 1) instead of tables'
complete -c agentcred -n "__fish_agentcred_using_subcommand secret; and not __fish_seen_subcommand_from set add edit list show remove rotate help" -s q -l quiet -d 'Print only data and errors'
complete -c agentcred -n "__fish_agentcred_using_subcommand secret; and not __fish_seen_subcommand_from set add edit list show remove rotate help" -s v -l verbose -d 'Explain what is happening on stderr (never secret values)'
complete -c agentcred -n "__fish_agentcred_using_subcommand secret; and not __fish_seen_subcommand_from set add edit list show remove rotate help" -s h -l help -d 'Print help'
complete -c agentcred -n "__fish_agentcred_using_subcommand secret; and not __fish_seen_subcommand_from set add edit list show remove rotate help" -f -a "set" -d 'Store a secret, or a new version of it (value from a prompt, stdin, a file, or generated)'
complete -c agentcred -n "__fish_agentcred_using_subcommand secret; and not __fish_seen_subcommand_from set add edit list show remove rotate help" -f -a "add" -d 'Add a secret whose value OpenBao provides: a token or a lease per credential, or a KV field'
complete -c agentcred -n "__fish_agentcred_using_subcommand secret; and not __fish_seen_subcommand_from set add edit list show remove rotate help" -f -a "edit" -d 'Change a secret\'s metadata: variable, max age, bound hosts, delivery (never the value)'
complete -c agentcred -n "__fish_agentcred_using_subcommand secret; and not __fish_seen_subcommand_from set add edit list show remove rotate help" -f -a "list" -d 'List secrets (metadata only)'
complete -c agentcred -n "__fish_agentcred_using_subcommand secret; and not __fish_seen_subcommand_from set add edit list show remove rotate help" -f -a "show" -d 'Show a secret\'s metadata and versions (never the value)'
complete -c agentcred -n "__fish_agentcred_using_subcommand secret; and not __fish_seen_subcommand_from set add edit list show remove rotate help" -f -a "remove" -d 'Remove a secret and destroy all its versions'
complete -c agentcred -n "__fish_agentcred_using_subcommand secret; and not __fish_seen_subcommand_from set add edit list show remove rotate help" -f -a "rotate" -d 'Rotate a secret with an overlap window, or stage and finish a rotation'
complete -c agentcred -n "__fish_agentcred_using_subcommand secret; and not __fish_seen_subcommand_from set add edit list show remove rotate help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c agentcred -n "__fish_agentcred_using_subcommand secret; and __fish_seen_subcommand_from set" -l file -d 'Read the value from a file (one trailing newline is dropped)' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand secret; and __fish_seen_subcommand_from set" -l length -d 'Length of a generated value' -r
complete -c agentcred -n "__fish_agentcred_using_subcommand secret; and __fish_seen_subcommand_from set" -l max-size -d 'Refuse a value larger than this, read from a file, stdin or the prompt (bytes, or with K/KiB, M/MiB, G/GiB)' -r
complete -c agentcred -n "__fish_agentcred_using_subcommand secret; and __fish_seen_subcommand_from set" -l env -d 'Environment variable the value is injected as [default: the name, upper-cased]' -r
complete -c agentcred -n "__fish_agentcred_using_subcommand secret; and __fish_seen_subcommand_from set" -l max-age -d 'Flag the secret for rotation after this long [default: 90d]' -r
complete -c agentcred -n "__fish_agentcred_using_subcommand secret; and __fish_seen_subcommand_from set" -l cas -d 'Only write if the current version is N (0: only if the secret does not exist yet); otherwise refused with exit 3, changing nothing but recording the denial' -r
complete -c agentcred -n "__fish_agentcred_using_subcommand secret; and __fish_seen_subcommand_from set" -l hosts -d 'The only hosts the value may be sent to: names, *.domain (every name below it), addresses, each with an optional :port, comma separated; replaces the secret\'s list' -r
complete -c agentcred -n "__fish_agentcred_using_subcommand secret; and __fish_seen_subcommand_from set" -l delivery -d 'How programs get the value: `env` in their environment, or `broker`, which gives them a placeholder and puts the value only into requests to the bound hosts (needs --hosts)' -r -f -a "env\t'In the program\'s environment, under the secret\'s variable'
broker\t'Never to the program: a placeholder in its environment, the value only through the broker'"
complete -c agentcred -n "__fish_agentcred_using_subcommand secret; and __fish_seen_subcommand_from set" -l placeholder-prefix -d 'Text the placeholder starts with, so that clients checking the format accept it (e.g. sk-); at most 16 of A-Z a-z 0-9 _ -, not secret' -r
complete -c agentcred -n "__fish_agentcred_using_subcommand secret; and __fish_seen_subcommand_from set" -l vault -d 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand secret; and __fish_seen_subcommand_from set" -l color -d 'When to use colour on the terminal (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c agentcred -n "__fish_agentcred_using_subcommand secret; and __fish_seen_subcommand_from set" -l identity -d 'Unlock with this age identity file instead of a passphrase' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand secret; and __fish_seen_subcommand_from set" -l key-file -d 'Act as an agent, with the agent key in this file' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand secret; and __fish_seen_subcommand_from set" -l stdin -d 'Read the value from standard input (one trailing newline is dropped)'
complete -c agentcred -n "__fish_agentcred_using_subcommand secret; and __fish_seen_subcommand_from set" -l generate -d 'Generate a random value of [A-Za-z0-9]'
complete -c agentcred -n "__fish_agentcred_using_subcommand secret; and __fish_seen_subcommand_from set" -l json -d 'Print machine-readable JSON ("schema": 1) instead of tables'
complete -c agentcred -n "__fish_agentcred_using_subcommand secret; and __fish_seen_subcommand_from set" -s q -l quiet -d 'Print only data and errors'
complete -c agentcred -n "__fish_agentcred_using_subcommand secret; and __fish_seen_subcommand_from set" -s v -l verbose -d 'Explain what is happening on stderr (never secret values)'
complete -c agentcred -n "__fish_agentcred_using_subcommand secret; and __fish_seen_subcommand_from set" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c agentcred -n "__fish_agentcred_using_subcommand secret; and __fish_seen_subcommand_from add" -l policy -d 'A policy of the tokens created (repeat for more; at least one)' -r
complete -c agentcred -n "__fish_agentcred_using_subcommand secret; and __fish_seen_subcommand_from add" -l num-uses -d 'How many requests each token may make (default: no limit)' -r
complete -c agentcred -n "__fish_agentcred_using_subcommand secret; and __fish_seen_subcommand_from add" -l openbao-lease -d 'A fresh lease from this OpenBao path for every credential (e.g. database/creds/readonly)' -r
complete -c agentcred -n "__fish_agentcred_using_subcommand secret; and __fish_seen_subcommand_from add" -l map -d 'A lease field and the variable it is injected as (repeat; at least one)' -r
complete -c agentcred -n "__fish_agentcred_using_subcommand secret; and __fish_seen_subcommand_from add" -l openbao-kv -d 'A field of a KV version 2 secret, MOUNT/PATH#FIELD (e.g. secret/team/openai#api_key)' -r
complete -c agentcred -n "__fish_agentcred_using_subcommand secret; and __fish_seen_subcommand_from add" -l cache -d 'How long a process may reuse a KV value it read [default: 0s, read at every mint]' -r
complete -c agentcred -n "__fish_agentcred_using_subcommand secret; and __fish_seen_subcommand_from add" -l env -d 'Environment variable the value is injected as [default: the name, upper-cased]' -r
complete -c agentcred -n "__fish_agentcred_using_subcommand secret; and __fish_seen_subcommand_from add" -l max-age -d 'Flag the secret for rotation after this long (a KV secret) [default: 90d]' -r
complete -c agentcred -n "__fish_agentcred_using_subcommand secret; and __fish_seen_subcommand_from add" -l hosts -d 'The only hosts the value may be sent to: names, *.domain (every name below it), addresses, each with an optional :port, comma separated; replaces the secret\'s list' -r
complete -c agentcred -n "__fish_agentcred_using_subcommand secret; and __fish_seen_subcommand_from add" -l delivery -d 'How programs get the value: `env` in their environment, or `broker`, which gives them a placeholder and puts the value only into requests to the bound hosts (needs --hosts)' -r -f -a "env\t'In the program\'s environment, under the secret\'s variable'
broker\t'Never to the program: a placeholder in its environment, the value only through the broker'"
complete -c agentcred -n "__fish_agentcred_using_subcommand secret; and __fish_seen_subcommand_from add" -l placeholder-prefix -d 'Text the placeholder starts with, so that clients checking the format accept it (e.g. sk-); at most 16 of A-Z a-z 0-9 _ -, not secret' -r
complete -c agentcred -n "__fish_agentcred_using_subcommand secret; and __fish_seen_subcommand_from add" -l vault -d 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand secret; and __fish_seen_subcommand_from add" -l color -d 'When to use colour on the terminal (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c agentcred -n "__fish_agentcred_using_subcommand secret; and __fish_seen_subcommand_from add" -l identity -d 'Unlock with this age identity file instead of a passphrase' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand secret; and __fish_seen_subcommand_from add" -l key-file -d 'Act as an agent, with the agent key in this file' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand secret; and __fish_seen_subcommand_from add" -l openbao-token -d 'A new OpenBao token for every credential'
complete -c agentcred -n "__fish_agentcred_using_subcommand secret; and __fish_seen_subcommand_from add" -l json -d 'Print machine-readable JSON ("schema": 1) instead of tables'
complete -c agentcred -n "__fish_agentcred_using_subcommand secret; and __fish_seen_subcommand_from add" -s q -l quiet -d 'Print only data and errors'
complete -c agentcred -n "__fish_agentcred_using_subcommand secret; and __fish_seen_subcommand_from add" -s v -l verbose -d 'Explain what is happening on stderr (never secret values)'
complete -c agentcred -n "__fish_agentcred_using_subcommand secret; and __fish_seen_subcommand_from add" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c agentcred -n "__fish_agentcred_using_subcommand secret; and __fish_seen_subcommand_from edit" -l env -d 'Environment variable the value is injected as' -r
complete -c agentcred -n "__fish_agentcred_using_subcommand secret; and __fish_seen_subcommand_from edit" -l max-age -d 'Flag the secret for rotation after this long' -r
complete -c agentcred -n "__fish_agentcred_using_subcommand secret; and __fish_seen_subcommand_from edit" -l hosts -d 'The only hosts the value may be sent to: names, *.domain (every name below it), addresses, each with an optional :port, comma separated; replaces the secret\'s list' -r
complete -c agentcred -n "__fish_agentcred_using_subcommand secret; and __fish_seen_subcommand_from edit" -l delivery -d 'How programs get the value: `env` in their environment, or `broker`, which gives them a placeholder and puts the value only into requests to the bound hosts (needs --hosts)' -r -f -a "env\t'In the program\'s environment, under the secret\'s variable'
broker\t'Never to the program: a placeholder in its environment, the value only through the broker'"
complete -c agentcred -n "__fish_agentcred_using_subcommand secret; and __fish_seen_subcommand_from edit" -l placeholder-prefix -d 'Text the placeholder starts with, so that clients checking the format accept it (e.g. sk-); at most 16 of A-Z a-z 0-9 _ -, not secret' -r
complete -c agentcred -n "__fish_agentcred_using_subcommand secret; and __fish_seen_subcommand_from edit" -l vault -d 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand secret; and __fish_seen_subcommand_from edit" -l color -d 'When to use colour on the terminal (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c agentcred -n "__fish_agentcred_using_subcommand secret; and __fish_seen_subcommand_from edit" -l identity -d 'Unlock with this age identity file instead of a passphrase' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand secret; and __fish_seen_subcommand_from edit" -l key-file -d 'Act as an agent, with the agent key in this file' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand secret; and __fish_seen_subcommand_from edit" -l json -d 'Print machine-readable JSON ("schema": 1) instead of tables'
complete -c agentcred -n "__fish_agentcred_using_subcommand secret; and __fish_seen_subcommand_from edit" -s q -l quiet -d 'Print only data and errors'
complete -c agentcred -n "__fish_agentcred_using_subcommand secret; and __fish_seen_subcommand_from edit" -s v -l verbose -d 'Explain what is happening on stderr (never secret values)'
complete -c agentcred -n "__fish_agentcred_using_subcommand secret; and __fish_seen_subcommand_from edit" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c agentcred -n "__fish_agentcred_using_subcommand secret; and __fish_seen_subcommand_from list" -l vault -d 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand secret; and __fish_seen_subcommand_from list" -l color -d 'When to use colour on the terminal (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c agentcred -n "__fish_agentcred_using_subcommand secret; and __fish_seen_subcommand_from list" -l identity -d 'Unlock with this age identity file instead of a passphrase' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand secret; and __fish_seen_subcommand_from list" -l key-file -d 'Act as an agent, with the agent key in this file' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand secret; and __fish_seen_subcommand_from list" -l json -d 'Print machine-readable JSON ("schema": 1) instead of tables'
complete -c agentcred -n "__fish_agentcred_using_subcommand secret; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Print only data and errors'
complete -c agentcred -n "__fish_agentcred_using_subcommand secret; and __fish_seen_subcommand_from list" -s v -l verbose -d 'Explain what is happening on stderr (never secret values)'
complete -c agentcred -n "__fish_agentcred_using_subcommand secret; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c agentcred -n "__fish_agentcred_using_subcommand secret; and __fish_seen_subcommand_from show" -l vault -d 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand secret; and __fish_seen_subcommand_from show" -l color -d 'When to use colour on the terminal (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c agentcred -n "__fish_agentcred_using_subcommand secret; and __fish_seen_subcommand_from show" -l identity -d 'Unlock with this age identity file instead of a passphrase' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand secret; and __fish_seen_subcommand_from show" -l key-file -d 'Act as an agent, with the agent key in this file' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand secret; and __fish_seen_subcommand_from show" -l json -d 'Print machine-readable JSON ("schema": 1) instead of tables'
complete -c agentcred -n "__fish_agentcred_using_subcommand secret; and __fish_seen_subcommand_from show" -s q -l quiet -d 'Print only data and errors'
complete -c agentcred -n "__fish_agentcred_using_subcommand secret; and __fish_seen_subcommand_from show" -s v -l verbose -d 'Explain what is happening on stderr (never secret values)'
complete -c agentcred -n "__fish_agentcred_using_subcommand secret; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c agentcred -n "__fish_agentcred_using_subcommand secret; and __fish_seen_subcommand_from remove" -l vault -d 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand secret; and __fish_seen_subcommand_from remove" -l color -d 'When to use colour on the terminal (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c agentcred -n "__fish_agentcred_using_subcommand secret; and __fish_seen_subcommand_from remove" -l identity -d 'Unlock with this age identity file instead of a passphrase' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand secret; and __fish_seen_subcommand_from remove" -l key-file -d 'Act as an agent, with the agent key in this file' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand secret; and __fish_seen_subcommand_from remove" -s y -l yes -d 'Do not ask for confirmation'
complete -c agentcred -n "__fish_agentcred_using_subcommand secret; and __fish_seen_subcommand_from remove" -l json -d 'Print machine-readable JSON ("schema": 1) instead of tables'
complete -c agentcred -n "__fish_agentcred_using_subcommand secret; and __fish_seen_subcommand_from remove" -s q -l quiet -d 'Print only data and errors'
complete -c agentcred -n "__fish_agentcred_using_subcommand secret; and __fish_seen_subcommand_from remove" -s v -l verbose -d 'Explain what is happening on stderr (never secret values)'
complete -c agentcred -n "__fish_agentcred_using_subcommand secret; and __fish_seen_subcommand_from remove" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c agentcred -n "__fish_agentcred_using_subcommand secret; and __fish_seen_subcommand_from rotate" -l file -d 'Read the value from a file (one trailing newline is dropped)' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand secret; and __fish_seen_subcommand_from rotate" -l length -d 'Length of a generated value' -r
complete -c agentcred -n "__fish_agentcred_using_subcommand secret; and __fish_seen_subcommand_from rotate" -l max-size -d 'Refuse a value larger than this, read from a file, stdin or the prompt (bytes, or with K/KiB, M/MiB, G/GiB)' -r
complete -c agentcred -n "__fish_agentcred_using_subcommand secret; and __fish_seen_subcommand_from rotate" -l overlap -d 'How long the old version stays valid after the new one takes over' -r
complete -c agentcred -n "__fish_agentcred_using_subcommand secret; and __fish_seen_subcommand_from rotate" -l vault -d 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand secret; and __fish_seen_subcommand_from rotate" -l color -d 'When to use colour on the terminal (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c agentcred -n "__fish_agentcred_using_subcommand secret; and __fish_seen_subcommand_from rotate" -l identity -d 'Unlock with this age identity file instead of a passphrase' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand secret; and __fish_seen_subcommand_from rotate" -l key-file -d 'Act as an agent, with the agent key in this file' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand secret; and __fish_seen_subcommand_from rotate" -l stdin -d 'Read the value from standard input (one trailing newline is dropped)'
complete -c agentcred -n "__fish_agentcred_using_subcommand secret; and __fish_seen_subcommand_from rotate" -l generate -d 'Generate a random value of [A-Za-z0-9]'
complete -c agentcred -n "__fish_agentcred_using_subcommand secret; and __fish_seen_subcommand_from rotate" -l stage -d 'Store the new value as PENDING, not served until --finish'
complete -c agentcred -n "__fish_agentcred_using_subcommand secret; and __fish_seen_subcommand_from rotate" -l finish -d 'Promote the PENDING version to CURRENT'
complete -c agentcred -n "__fish_agentcred_using_subcommand secret; and __fish_seen_subcommand_from rotate" -l cancel -d 'Drop the PENDING version'
complete -c agentcred -n "__fish_agentcred_using_subcommand secret; and __fish_seen_subcommand_from rotate" -l json -d 'Print machine-readable JSON ("schema": 1) instead of tables'
complete -c agentcred -n "__fish_agentcred_using_subcommand secret; and __fish_seen_subcommand_from rotate" -s q -l quiet -d 'Print only data and errors'
complete -c agentcred -n "__fish_agentcred_using_subcommand secret; and __fish_seen_subcommand_from rotate" -s v -l verbose -d 'Explain what is happening on stderr (never secret values)'
complete -c agentcred -n "__fish_agentcred_using_subcommand secret; and __fish_seen_subcommand_from rotate" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c agentcred -n "__fish_agentcred_using_subcommand secret; and __fish_seen_subcommand_from help" -f -a "set" -d 'Store a secret, or a new version of it (value from a prompt, stdin, a file, or generated)'
complete -c agentcred -n "__fish_agentcred_using_subcommand secret; and __fish_seen_subcommand_from help" -f -a "add" -d 'Add a secret whose value OpenBao provides: a token or a lease per credential, or a KV field'
complete -c agentcred -n "__fish_agentcred_using_subcommand secret; and __fish_seen_subcommand_from help" -f -a "edit" -d 'Change a secret\'s metadata: variable, max age, bound hosts, delivery (never the value)'
complete -c agentcred -n "__fish_agentcred_using_subcommand secret; and __fish_seen_subcommand_from help" -f -a "list" -d 'List secrets (metadata only)'
complete -c agentcred -n "__fish_agentcred_using_subcommand secret; and __fish_seen_subcommand_from help" -f -a "show" -d 'Show a secret\'s metadata and versions (never the value)'
complete -c agentcred -n "__fish_agentcred_using_subcommand secret; and __fish_seen_subcommand_from help" -f -a "remove" -d 'Remove a secret and destroy all its versions'
complete -c agentcred -n "__fish_agentcred_using_subcommand secret; and __fish_seen_subcommand_from help" -f -a "rotate" -d 'Rotate a secret with an overlap window, or stage and finish a rotation'
complete -c agentcred -n "__fish_agentcred_using_subcommand secret; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c agentcred -n "__fish_agentcred_using_subcommand grant; and not __fish_seen_subcommand_from list revoke help" -l actions -d 'Allowed (or, with --deny, denied) actions, comma separated [default: read]' -r
complete -c agentcred -n "__fish_agentcred_using_subcommand grant; and not __fish_seen_subcommand_from list revoke help" -l resources -d 'Resources: names, or prefixes ending in * [default: *]' -r
complete -c agentcred -n "__fish_agentcred_using_subcommand grant; and not __fish_seen_subcommand_from list revoke help" -l max-ttl -d 'Longest credential this grant allows, e.g. 15m' -r
complete -c agentcred -n "__fish_agentcred_using_subcommand grant; and not __fish_seen_subcommand_from list revoke help" -l env -d 'Inject the secret under this variable for this agent [default: the secret\'s]' -r
complete -c agentcred -n "__fish_agentcred_using_subcommand grant; and not __fish_seen_subcommand_from list revoke help" -l hosts -d 'Narrow where the value may be sent to these hosts (name, *.domain, optional :port), comma separated; each must lie within the secret\'s --hosts [default: the secret\'s]' -r
complete -c agentcred -n "__fish_agentcred_using_subcommand grant; and not __fish_seen_subcommand_from list revoke help" -l methods -d 'Allow only these HTTP methods with the value, comma separated [default: any]' -r
complete -c agentcred -n "__fish_agentcred_using_subcommand grant; and not __fish_seen_subcommand_from list revoke help" -l paths -d 'Allow only these paths with the value: exact, * for one segment, a final /* for the subtree (/v1/*), comma separated [default: any]' -r
complete -c agentcred -n "__fish_agentcred_using_subcommand grant; and not __fish_seen_subcommand_from list revoke help" -l vault -d 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand grant; and not __fish_seen_subcommand_from list revoke help" -l color -d 'When to use colour on the terminal (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c agentcred -n "__fish_agentcred_using_subcommand grant; and not __fish_seen_subcommand_from list revoke help" -l identity -d 'Unlock with this age identity file instead of a passphrase' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand grant; and not __fish_seen_subcommand_from list revoke help" -l key-file -d 'Act as an agent, with the agent key in this file' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand grant; and not __fish_seen_subcommand_from list revoke help" -l deny -d 'Make this an explicit deny, which beats every allow'
complete -c agentcred -n "__fish_agentcred_using_subcommand grant; and not __fish_seen_subcommand_from list revoke help" -l json -d 'Print machine-readable JSON ("schema": 1) instead of tables'
complete -c agentcred -n "__fish_agentcred_using_subcommand grant; and not __fish_seen_subcommand_from list revoke help" -s q -l quiet -d 'Print only data and errors'
complete -c agentcred -n "__fish_agentcred_using_subcommand grant; and not __fish_seen_subcommand_from list revoke help" -s v -l verbose -d 'Explain what is happening on stderr (never secret values)'
complete -c agentcred -n "__fish_agentcred_using_subcommand grant; and not __fish_seen_subcommand_from list revoke help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c agentcred -n "__fish_agentcred_using_subcommand grant; and not __fish_seen_subcommand_from list revoke help" -a "list" -d 'List grants'
complete -c agentcred -n "__fish_agentcred_using_subcommand grant; and not __fish_seen_subcommand_from list revoke help" -a "revoke" -d 'Revoke a grant (credentials minted under it are revoked too)'
complete -c agentcred -n "__fish_agentcred_using_subcommand grant; and not __fish_seen_subcommand_from list revoke help" -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c agentcred -n "__fish_agentcred_using_subcommand grant; and __fish_seen_subcommand_from list" -l agent -d 'Only this agent\'s grants' -r -f -a "(agentcred __complete agents 2>/dev/null)"
complete -c agentcred -n "__fish_agentcred_using_subcommand grant; and __fish_seen_subcommand_from list" -l vault -d 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand grant; and __fish_seen_subcommand_from list" -l color -d 'When to use colour on the terminal (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c agentcred -n "__fish_agentcred_using_subcommand grant; and __fish_seen_subcommand_from list" -l identity -d 'Unlock with this age identity file instead of a passphrase' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand grant; and __fish_seen_subcommand_from list" -l key-file -d 'Act as an agent, with the agent key in this file' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand grant; and __fish_seen_subcommand_from list" -l json -d 'Print machine-readable JSON ("schema": 1) instead of tables'
complete -c agentcred -n "__fish_agentcred_using_subcommand grant; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Print only data and errors'
complete -c agentcred -n "__fish_agentcred_using_subcommand grant; and __fish_seen_subcommand_from list" -s v -l verbose -d 'Explain what is happening on stderr (never secret values)'
complete -c agentcred -n "__fish_agentcred_using_subcommand grant; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c agentcred -n "__fish_agentcred_using_subcommand grant; and __fish_seen_subcommand_from revoke" -l vault -d 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand grant; and __fish_seen_subcommand_from revoke" -l color -d 'When to use colour on the terminal (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c agentcred -n "__fish_agentcred_using_subcommand grant; and __fish_seen_subcommand_from revoke" -l identity -d 'Unlock with this age identity file instead of a passphrase' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand grant; and __fish_seen_subcommand_from revoke" -l key-file -d 'Act as an agent, with the agent key in this file' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand grant; and __fish_seen_subcommand_from revoke" -l json -d 'Print machine-readable JSON ("schema": 1) instead of tables'
complete -c agentcred -n "__fish_agentcred_using_subcommand grant; and __fish_seen_subcommand_from revoke" -s q -l quiet -d 'Print only data and errors'
complete -c agentcred -n "__fish_agentcred_using_subcommand grant; and __fish_seen_subcommand_from revoke" -s v -l verbose -d 'Explain what is happening on stderr (never secret values)'
complete -c agentcred -n "__fish_agentcred_using_subcommand grant; and __fish_seen_subcommand_from revoke" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c agentcred -n "__fish_agentcred_using_subcommand grant; and __fish_seen_subcommand_from help" -f -a "list" -d 'List grants'
complete -c agentcred -n "__fish_agentcred_using_subcommand grant; and __fish_seen_subcommand_from help" -f -a "revoke" -d 'Revoke a grant (credentials minted under it are revoked too)'
complete -c agentcred -n "__fish_agentcred_using_subcommand grant; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c agentcred -n "__fish_agentcred_using_subcommand key; and not __fish_seen_subcommand_from issue list revoke rotate help" -l vault -d 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand key; and not __fish_seen_subcommand_from issue list revoke rotate help" -l color -d 'When to use colour on the terminal (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c agentcred -n "__fish_agentcred_using_subcommand key; and not __fish_seen_subcommand_from issue list revoke rotate help" -l identity -d 'Unlock with this age identity file instead of a passphrase' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand key; and not __fish_seen_subcommand_from issue list revoke rotate help" -l key-file -d 'Act as an agent, with the agent key in this file' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand key; and not __fish_seen_subcommand_from issue list revoke rotate help" -l json -d 'Print machine-readable JSON ("schema": 1) instead of tables'
complete -c agentcred -n "__fish_agentcred_using_subcommand key; and not __fish_seen_subcommand_from issue list revoke rotate help" -s q -l quiet -d 'Print only data and errors'
complete -c agentcred -n "__fish_agentcred_using_subcommand key; and not __fish_seen_subcommand_from issue list revoke rotate help" -s v -l verbose -d 'Explain what is happening on stderr (never secret values)'
complete -c agentcred -n "__fish_agentcred_using_subcommand key; and not __fish_seen_subcommand_from issue list revoke rotate help" -s h -l help -d 'Print help'
complete -c agentcred -n "__fish_agentcred_using_subcommand key; and not __fish_seen_subcommand_from issue list revoke rotate help" -f -a "issue" -d 'Issue a key for an agent; it is printed once (or written to --out, 0600)'
complete -c agentcred -n "__fish_agentcred_using_subcommand key; and not __fish_seen_subcommand_from issue list revoke rotate help" -f -a "list" -d 'List keys (public data only)'
complete -c agentcred -n "__fish_agentcred_using_subcommand key; and not __fish_seen_subcommand_from issue list revoke rotate help" -f -a "revoke" -d 'Revoke a key now; credentials it minted are revoked too'
complete -c agentcred -n "__fish_agentcred_using_subcommand key; and not __fish_seen_subcommand_from issue list revoke rotate help" -f -a "rotate" -d 'Issue a new key for an agent; its current keys keep working until the overlap ends'
complete -c agentcred -n "__fish_agentcred_using_subcommand key; and not __fish_seen_subcommand_from issue list revoke rotate help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c agentcred -n "__fish_agentcred_using_subcommand key; and __fish_seen_subcommand_from issue" -l expires -d 'How long the key works' -r
complete -c agentcred -n "__fish_agentcred_using_subcommand key; and __fish_seen_subcommand_from issue" -l out -d 'Write it to this new file (0600) instead of printing it' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand key; and __fish_seen_subcommand_from issue" -l vault -d 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand key; and __fish_seen_subcommand_from issue" -l color -d 'When to use colour on the terminal (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c agentcred -n "__fish_agentcred_using_subcommand key; and __fish_seen_subcommand_from issue" -l identity -d 'Unlock with this age identity file instead of a passphrase' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand key; and __fish_seen_subcommand_from issue" -l key-file -d 'Act as an agent, with the agent key in this file' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand key; and __fish_seen_subcommand_from issue" -l force -d 'With --out: replace the file if it exists'
complete -c agentcred -n "__fish_agentcred_using_subcommand key; and __fish_seen_subcommand_from issue" -l json -d 'Print machine-readable JSON ("schema": 1) instead of tables'
complete -c agentcred -n "__fish_agentcred_using_subcommand key; and __fish_seen_subcommand_from issue" -s q -l quiet -d 'Print only data and errors'
complete -c agentcred -n "__fish_agentcred_using_subcommand key; and __fish_seen_subcommand_from issue" -s v -l verbose -d 'Explain what is happening on stderr (never secret values)'
complete -c agentcred -n "__fish_agentcred_using_subcommand key; and __fish_seen_subcommand_from issue" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c agentcred -n "__fish_agentcred_using_subcommand key; and __fish_seen_subcommand_from list" -l vault -d 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand key; and __fish_seen_subcommand_from list" -l color -d 'When to use colour on the terminal (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c agentcred -n "__fish_agentcred_using_subcommand key; and __fish_seen_subcommand_from list" -l identity -d 'Unlock with this age identity file instead of a passphrase' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand key; and __fish_seen_subcommand_from list" -l key-file -d 'Act as an agent, with the agent key in this file' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand key; and __fish_seen_subcommand_from list" -l json -d 'Print machine-readable JSON ("schema": 1) instead of tables'
complete -c agentcred -n "__fish_agentcred_using_subcommand key; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Print only data and errors'
complete -c agentcred -n "__fish_agentcred_using_subcommand key; and __fish_seen_subcommand_from list" -s v -l verbose -d 'Explain what is happening on stderr (never secret values)'
complete -c agentcred -n "__fish_agentcred_using_subcommand key; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c agentcred -n "__fish_agentcred_using_subcommand key; and __fish_seen_subcommand_from revoke" -l vault -d 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand key; and __fish_seen_subcommand_from revoke" -l color -d 'When to use colour on the terminal (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c agentcred -n "__fish_agentcred_using_subcommand key; and __fish_seen_subcommand_from revoke" -l identity -d 'Unlock with this age identity file instead of a passphrase' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand key; and __fish_seen_subcommand_from revoke" -l key-file -d 'Act as an agent, with the agent key in this file' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand key; and __fish_seen_subcommand_from revoke" -l json -d 'Print machine-readable JSON ("schema": 1) instead of tables'
complete -c agentcred -n "__fish_agentcred_using_subcommand key; and __fish_seen_subcommand_from revoke" -s q -l quiet -d 'Print only data and errors'
complete -c agentcred -n "__fish_agentcred_using_subcommand key; and __fish_seen_subcommand_from revoke" -s v -l verbose -d 'Explain what is happening on stderr (never secret values)'
complete -c agentcred -n "__fish_agentcred_using_subcommand key; and __fish_seen_subcommand_from revoke" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c agentcred -n "__fish_agentcred_using_subcommand key; and __fish_seen_subcommand_from rotate" -l overlap -d 'How long the current keys keep working' -r
complete -c agentcred -n "__fish_agentcred_using_subcommand key; and __fish_seen_subcommand_from rotate" -l expires -d 'How long the new key works' -r
complete -c agentcred -n "__fish_agentcred_using_subcommand key; and __fish_seen_subcommand_from rotate" -l out -d 'Write it to this new file (0600) instead of printing it' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand key; and __fish_seen_subcommand_from rotate" -l vault -d 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand key; and __fish_seen_subcommand_from rotate" -l color -d 'When to use colour on the terminal (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c agentcred -n "__fish_agentcred_using_subcommand key; and __fish_seen_subcommand_from rotate" -l identity -d 'Unlock with this age identity file instead of a passphrase' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand key; and __fish_seen_subcommand_from rotate" -l key-file -d 'Act as an agent, with the agent key in this file' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand key; and __fish_seen_subcommand_from rotate" -l force -d 'With --out: replace the file if it exists'
complete -c agentcred -n "__fish_agentcred_using_subcommand key; and __fish_seen_subcommand_from rotate" -l json -d 'Print machine-readable JSON ("schema": 1) instead of tables'
complete -c agentcred -n "__fish_agentcred_using_subcommand key; and __fish_seen_subcommand_from rotate" -s q -l quiet -d 'Print only data and errors'
complete -c agentcred -n "__fish_agentcred_using_subcommand key; and __fish_seen_subcommand_from rotate" -s v -l verbose -d 'Explain what is happening on stderr (never secret values)'
complete -c agentcred -n "__fish_agentcred_using_subcommand key; and __fish_seen_subcommand_from rotate" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c agentcred -n "__fish_agentcred_using_subcommand key; and __fish_seen_subcommand_from help" -f -a "issue" -d 'Issue a key for an agent; it is printed once (or written to --out, 0600)'
complete -c agentcred -n "__fish_agentcred_using_subcommand key; and __fish_seen_subcommand_from help" -f -a "list" -d 'List keys (public data only)'
complete -c agentcred -n "__fish_agentcred_using_subcommand key; and __fish_seen_subcommand_from help" -f -a "revoke" -d 'Revoke a key now; credentials it minted are revoked too'
complete -c agentcred -n "__fish_agentcred_using_subcommand key; and __fish_seen_subcommand_from help" -f -a "rotate" -d 'Issue a new key for an agent; its current keys keep working until the overlap ends'
complete -c agentcred -n "__fish_agentcred_using_subcommand key; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c agentcred -n "__fish_agentcred_using_subcommand mint" -l agent -d 'The agent (required for the admin; with an agent key, defaults to the key\'s agent)' -r -f -a "(agentcred __complete agents 2>/dev/null)"
complete -c agentcred -n "__fish_agentcred_using_subcommand mint" -l secret -d 'Only these secrets (repeatable) [default: every granted secret]' -r -f -a "(agentcred __complete secrets 2>/dev/null)"
complete -c agentcred -n "__fish_agentcred_using_subcommand mint" -l ttl -d 'Credential lifetime, e.g. 10m [default: 15m; nested exec: the parent\'s remaining time]' -r
complete -c agentcred -n "__fish_agentcred_using_subcommand mint" -l actions -d 'Narrow the credential to these actions, comma separated' -r
complete -c agentcred -n "__fish_agentcred_using_subcommand mint" -l resources -d 'Narrow the credential to these resources, comma separated' -r
complete -c agentcred -n "__fish_agentcred_using_subcommand mint" -l secret-version -d 'Which version of the secrets to serve' -r -f -a "current\t''
previous\t''"
complete -c agentcred -n "__fish_agentcred_using_subcommand mint" -l format -d 'Output format' -r -f -a "json\t'A JSON document with the credential, the values and the token'
env\t'`export NAME=\'value\'` lines for a POSIX shell'
dotenv\t'`NAME="value"` lines for a .env file'
token\t'The token alone'"
complete -c agentcred -n "__fish_agentcred_using_subcommand mint" -l out -d 'Write it to this new file (0600) instead of printing it' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand mint" -l vault -d 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand mint" -l color -d 'When to use colour on the terminal (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c agentcred -n "__fish_agentcred_using_subcommand mint" -l identity -d 'Unlock with this age identity file instead of a passphrase' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand mint" -l key-file -d 'Act as an agent, with the agent key in this file' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand mint" -l force -d 'With --out: replace the file if it exists'
complete -c agentcred -n "__fish_agentcred_using_subcommand mint" -l json -d 'Print machine-readable JSON ("schema": 1) instead of tables'
complete -c agentcred -n "__fish_agentcred_using_subcommand mint" -s q -l quiet -d 'Print only data and errors'
complete -c agentcred -n "__fish_agentcred_using_subcommand mint" -s v -l verbose -d 'Explain what is happening on stderr (never secret values)'
complete -c agentcred -n "__fish_agentcred_using_subcommand mint" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c agentcred -n "__fish_agentcred_using_subcommand verify" -l as -d 'The agent presenting the token: it must be its holder, the last agent it was delegated to (--json says whether that agent also signed it, as `exec --on-behalf-of` does)' -r -f -a "(agentcred __complete agents 2>/dev/null)"
complete -c agentcred -n "__fish_agentcred_using_subcommand verify" -l action -d 'The action requested' -r
complete -c agentcred -n "__fish_agentcred_using_subcommand verify" -l resource -d 'The resource requested' -r
complete -c agentcred -n "__fish_agentcred_using_subcommand verify" -l vault-id -d 'The vault id this verifier trusts: the vault\'s issuer keys must chain back to it (without it, the id in vault.toml is trusted)' -r
complete -c agentcred -n "__fish_agentcred_using_subcommand verify" -l issuer-key -d 'An issuer key this verifier knows is on the vault\'s chain (the newest when it was pinned): a chain without it, cut short or forked from an older, perhaps leaked, key, is refused' -r
complete -c agentcred -n "__fish_agentcred_using_subcommand verify" -l challenge -d 'With --as: the challenge the holder\'s proof must name (see `agentcred present`)' -r
complete -c agentcred -n "__fish_agentcred_using_subcommand verify" -l vault -d 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand verify" -l color -d 'When to use colour on the terminal (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c agentcred -n "__fish_agentcred_using_subcommand verify" -l identity -d 'Unlock with this age identity file instead of a passphrase' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand verify" -l key-file -d 'Act as an agent, with the agent key in this file' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand verify" -l json -d 'Print machine-readable JSON ("schema": 1) instead of tables'
complete -c agentcred -n "__fish_agentcred_using_subcommand verify" -s q -l quiet -d 'Print only data and errors'
complete -c agentcred -n "__fish_agentcred_using_subcommand verify" -s v -l verbose -d 'Explain what is happening on stderr (never secret values)'
complete -c agentcred -n "__fish_agentcred_using_subcommand verify" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c agentcred -n "__fish_agentcred_using_subcommand present" -l token -d 'The token, or - to read it from stdin [default: $AGENTCRED_TOKEN, else stdin]' -r
complete -c agentcred -n "__fish_agentcred_using_subcommand present" -l agent -d 'The holding agent (with the admin unlock; with an agent key, the key\'s agent)' -r -f -a "(agentcred __complete agents 2>/dev/null)"
complete -c agentcred -n "__fish_agentcred_using_subcommand present" -l challenge -d 'A challenge the verifier gave, included in the proof' -r
complete -c agentcred -n "__fish_agentcred_using_subcommand present" -l vault -d 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand present" -l color -d 'When to use colour on the terminal (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c agentcred -n "__fish_agentcred_using_subcommand present" -l identity -d 'Unlock with this age identity file instead of a passphrase' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand present" -l key-file -d 'Act as an agent, with the agent key in this file' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand present" -l json -d 'Print machine-readable JSON ("schema": 1) instead of tables'
complete -c agentcred -n "__fish_agentcred_using_subcommand present" -s q -l quiet -d 'Print only data and errors'
complete -c agentcred -n "__fish_agentcred_using_subcommand present" -s v -l verbose -d 'Explain what is happening on stderr (never secret values)'
complete -c agentcred -n "__fish_agentcred_using_subcommand present" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c agentcred -n "__fish_agentcred_using_subcommand creds; and not __fish_seen_subcommand_from list revoke help" -l vault -d 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand creds; and not __fish_seen_subcommand_from list revoke help" -l color -d 'When to use colour on the terminal (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c agentcred -n "__fish_agentcred_using_subcommand creds; and not __fish_seen_subcommand_from list revoke help" -l identity -d 'Unlock with this age identity file instead of a passphrase' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand creds; and not __fish_seen_subcommand_from list revoke help" -l key-file -d 'Act as an agent, with the agent key in this file' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand creds; and not __fish_seen_subcommand_from list revoke help" -l json -d 'Print machine-readable JSON ("schema": 1) instead of tables'
complete -c agentcred -n "__fish_agentcred_using_subcommand creds; and not __fish_seen_subcommand_from list revoke help" -s q -l quiet -d 'Print only data and errors'
complete -c agentcred -n "__fish_agentcred_using_subcommand creds; and not __fish_seen_subcommand_from list revoke help" -s v -l verbose -d 'Explain what is happening on stderr (never secret values)'
complete -c agentcred -n "__fish_agentcred_using_subcommand creds; and not __fish_seen_subcommand_from list revoke help" -s h -l help -d 'Print help'
complete -c agentcred -n "__fish_agentcred_using_subcommand creds; and not __fish_seen_subcommand_from list revoke help" -f -a "list" -d 'List credentials (metadata only)'
complete -c agentcred -n "__fish_agentcred_using_subcommand creds; and not __fish_seen_subcommand_from list revoke help" -f -a "revoke" -d 'Revoke one credential (and everything derived from it), or all of an agent\'s'
complete -c agentcred -n "__fish_agentcred_using_subcommand creds; and not __fish_seen_subcommand_from list revoke help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c agentcred -n "__fish_agentcred_using_subcommand creds; and __fish_seen_subcommand_from list" -l agent -d 'Only this agent\'s credentials' -r -f -a "(agentcred __complete agents 2>/dev/null)"
complete -c agentcred -n "__fish_agentcred_using_subcommand creds; and __fish_seen_subcommand_from list" -l vault -d 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand creds; and __fish_seen_subcommand_from list" -l color -d 'When to use colour on the terminal (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c agentcred -n "__fish_agentcred_using_subcommand creds; and __fish_seen_subcommand_from list" -l identity -d 'Unlock with this age identity file instead of a passphrase' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand creds; and __fish_seen_subcommand_from list" -l key-file -d 'Act as an agent, with the agent key in this file' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand creds; and __fish_seen_subcommand_from list" -l active -d 'Only credentials that are neither expired nor revoked'
complete -c agentcred -n "__fish_agentcred_using_subcommand creds; and __fish_seen_subcommand_from list" -l json -d 'Print machine-readable JSON ("schema": 1) instead of tables'
complete -c agentcred -n "__fish_agentcred_using_subcommand creds; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Print only data and errors'
complete -c agentcred -n "__fish_agentcred_using_subcommand creds; and __fish_seen_subcommand_from list" -s v -l verbose -d 'Explain what is happening on stderr (never secret values)'
complete -c agentcred -n "__fish_agentcred_using_subcommand creds; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c agentcred -n "__fish_agentcred_using_subcommand creds; and __fish_seen_subcommand_from revoke" -l agent -d 'Revoke every credential of this agent' -r -f -a "(agentcred __complete agents 2>/dev/null)"
complete -c agentcred -n "__fish_agentcred_using_subcommand creds; and __fish_seen_subcommand_from revoke" -l vault -d 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand creds; and __fish_seen_subcommand_from revoke" -l color -d 'When to use colour on the terminal (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c agentcred -n "__fish_agentcred_using_subcommand creds; and __fish_seen_subcommand_from revoke" -l identity -d 'Unlock with this age identity file instead of a passphrase' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand creds; and __fish_seen_subcommand_from revoke" -l key-file -d 'Act as an agent, with the agent key in this file' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand creds; and __fish_seen_subcommand_from revoke" -l json -d 'Print machine-readable JSON ("schema": 1) instead of tables'
complete -c agentcred -n "__fish_agentcred_using_subcommand creds; and __fish_seen_subcommand_from revoke" -s q -l quiet -d 'Print only data and errors'
complete -c agentcred -n "__fish_agentcred_using_subcommand creds; and __fish_seen_subcommand_from revoke" -s v -l verbose -d 'Explain what is happening on stderr (never secret values)'
complete -c agentcred -n "__fish_agentcred_using_subcommand creds; and __fish_seen_subcommand_from revoke" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c agentcred -n "__fish_agentcred_using_subcommand creds; and __fish_seen_subcommand_from help" -f -a "list" -d 'List credentials (metadata only)'
complete -c agentcred -n "__fish_agentcred_using_subcommand creds; and __fish_seen_subcommand_from help" -f -a "revoke" -d 'Revoke one credential (and everything derived from it), or all of an agent\'s'
complete -c agentcred -n "__fish_agentcred_using_subcommand creds; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c agentcred -n "__fish_agentcred_using_subcommand exec" -l agent -d 'The agent (required for the admin; with an agent key, defaults to the key\'s agent)' -r -f -a "(agentcred __complete agents 2>/dev/null)"
complete -c agentcred -n "__fish_agentcred_using_subcommand exec" -l secret -d 'Only these secrets (repeatable) [default: every granted secret]' -r -f -a "(agentcred __complete secrets 2>/dev/null)"
complete -c agentcred -n "__fish_agentcred_using_subcommand exec" -l ttl -d 'Credential lifetime, e.g. 10m [default: 15m; nested exec: the parent\'s remaining time]' -r
complete -c agentcred -n "__fish_agentcred_using_subcommand exec" -l actions -d 'Narrow the credential to these actions, comma separated' -r
complete -c agentcred -n "__fish_agentcred_using_subcommand exec" -l resources -d 'Narrow the credential to these resources, comma separated' -r
complete -c agentcred -n "__fish_agentcred_using_subcommand exec" -l on-expiry -d 'What happens when the credential expires' -r -f -a "term\t'SIGTERM, then SIGKILL after 10 s'
kill\t'SIGKILL'
ignore\t'Only record it; the program runs on'"
complete -c agentcred -n "__fish_agentcred_using_subcommand exec" -l on-behalf-of -d 'Act on a token another agent delegated to this one (`-`: read it from stdin). The program gets only what the token delegates and this agent is granted, for no longer than the token lives' -r
complete -c agentcred -n "__fish_agentcred_using_subcommand exec" -l sandbox -d '`required`: where the kernel cannot set the sandbox up, refuse to run (exit 125) rather than run the program without it [default: auto, or `[exec] sandbox` in the vault\'s config.toml]' -r -f -a "auto\t'Sandbox the program where the kernel allows it; otherwise say so and run it without'
required\t'Sandbox the program or do not run it'"
complete -c agentcred -n "__fish_agentcred_using_subcommand exec" -l egress -d 'With the broker: `bound` refuses connections to hosts no injected secret is bound to, `open` tunnels them untouched [default: open, or `[broker] egress` in config.toml]' -r -f -a "open\t'Tunnel connections to other hosts untouched (they never see a value)'
bound\t'Refuse connections to hosts no injected secret is bound to'"
complete -c agentcred -n "__fish_agentcred_using_subcommand exec" -l upstream-ca -d 'With the broker: also trust the CA certificates of this PEM file for upstreams (a private or test CA) [default: `[broker] upstream_ca` in config.toml]' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand exec" -l vault -d 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand exec" -l color -d 'When to use colour on the terminal (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c agentcred -n "__fish_agentcred_using_subcommand exec" -l identity -d 'Unlock with this age identity file instead of a passphrase' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand exec" -l key-file -d 'Act as an agent, with the agent key in this file' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand exec" -l clean-env -d 'Pass only PATH, HOME, USER, LANG, LC_*, TERM, TZ, TMPDIR, SHELL from this environment'
complete -c agentcred -n "__fish_agentcred_using_subcommand exec" -l mask -d 'Replace injected values (and their base64 and URL-encoded forms) in the program\'s output'
complete -c agentcred -n "__fish_agentcred_using_subcommand exec" -l replace -d 'Exec in place (same PID): no supervision, no end entry, no expiry enforcement'
complete -c agentcred -n "__fish_agentcred_using_subcommand exec" -l no-sandbox -d 'Run the program outside the sandbox: it can then reach the vault directory and the key file. Recorded as a warning in the exec.start audit entry'
complete -c agentcred -n "__fish_agentcred_using_subcommand exec" -l broker -d 'Run the program behind a broker of its own: brokered secrets reach it as placeholders the broker swaps for the values in requests to their bound hosts (implied when a granted secret has delivery broker)'
complete -c agentcred -n "__fish_agentcred_using_subcommand exec" -l json -d 'Print machine-readable JSON ("schema": 1) instead of tables'
complete -c agentcred -n "__fish_agentcred_using_subcommand exec" -s q -l quiet -d 'Print only data and errors'
complete -c agentcred -n "__fish_agentcred_using_subcommand exec" -s v -l verbose -d 'Explain what is happening on stderr (never secret values)'
complete -c agentcred -n "__fish_agentcred_using_subcommand exec" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c agentcred -n "__fish_agentcred_using_subcommand broker" -l agent -d 'The agent (required for the admin; with an agent key, defaults to the key\'s agent)' -r -f -a "(agentcred __complete agents 2>/dev/null)"
complete -c agentcred -n "__fish_agentcred_using_subcommand broker" -l secret -d 'Only these secrets (repeatable) [default: every granted secret]' -r -f -a "(agentcred __complete secrets 2>/dev/null)"
complete -c agentcred -n "__fish_agentcred_using_subcommand broker" -l ttl -d 'Credential lifetime, e.g. 10m [default: 15m; nested exec: the parent\'s remaining time]' -r
complete -c agentcred -n "__fish_agentcred_using_subcommand broker" -l actions -d 'Narrow the credential to these actions, comma separated' -r
complete -c agentcred -n "__fish_agentcred_using_subcommand broker" -l resources -d 'Narrow the credential to these resources, comma separated' -r
complete -c agentcred -n "__fish_agentcred_using_subcommand broker" -l listen -d 'Where the proxy listens (loopback only; port 0: any free port)' -r
complete -c agentcred -n "__fish_agentcred_using_subcommand broker" -l egress -d '`bound` refuses connections to hosts no secret is bound to, `open` tunnels them untouched [default: open, or `[broker] egress` in config.toml]' -r -f -a "open\t'Tunnel connections to other hosts untouched (they never see a value)'
bound\t'Refuse connections to hosts no injected secret is bound to'"
complete -c agentcred -n "__fish_agentcred_using_subcommand broker" -l upstream-ca -d 'Also trust the CA certificates of this PEM file for upstreams [default: `[broker] upstream_ca` in config.toml]' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand broker" -l env-file -d 'Write the program\'s environment to this dotenv file (created 0600) instead of stdout' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand broker" -l vault -d 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand broker" -l color -d 'When to use colour on the terminal (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c agentcred -n "__fish_agentcred_using_subcommand broker" -l identity -d 'Unlock with this age identity file instead of a passphrase' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand broker" -l key-file -d 'Act as an agent, with the agent key in this file' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand broker" -l force -d 'Replace an existing --env-file'
complete -c agentcred -n "__fish_agentcred_using_subcommand broker" -l json -d 'Print machine-readable JSON ("schema": 1) instead of tables'
complete -c agentcred -n "__fish_agentcred_using_subcommand broker" -s q -l quiet -d 'Print only data and errors'
complete -c agentcred -n "__fish_agentcred_using_subcommand broker" -s v -l verbose -d 'Explain what is happening on stderr (never secret values)'
complete -c agentcred -n "__fish_agentcred_using_subcommand broker" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c agentcred -n "__fish_agentcred_using_subcommand mcp" -l agent -d 'The agent (required for the admin; with an agent key, defaults to the key\'s agent)' -r -f -a "(agentcred __complete agents 2>/dev/null)"
complete -c agentcred -n "__fish_agentcred_using_subcommand mcp" -l secret -d 'Only these secrets (repeatable) [default: every granted secret]' -r -f -a "(agentcred __complete secrets 2>/dev/null)"
complete -c agentcred -n "__fish_agentcred_using_subcommand mcp" -l ttl -d 'Credential lifetime, e.g. 10m [default: 15m; nested exec: the parent\'s remaining time]' -r
complete -c agentcred -n "__fish_agentcred_using_subcommand mcp" -l actions -d 'Narrow the credential to these actions, comma separated' -r
complete -c agentcred -n "__fish_agentcred_using_subcommand mcp" -l resources -d 'Narrow the credential to these resources, comma separated' -r
complete -c agentcred -n "__fish_agentcred_using_subcommand mcp" -l egress -d '`bound` refuses requests to hosts no secret is bound to, `open` lets them through untouched [default: open, or `[broker] egress` in config.toml]' -r -f -a "open\t'Tunnel connections to other hosts untouched (they never see a value)'
bound\t'Refuse connections to hosts no injected secret is bound to'"
complete -c agentcred -n "__fish_agentcred_using_subcommand mcp" -l upstream-ca -d 'Also trust the CA certificates of this PEM file for upstreams [default: `[broker] upstream_ca` in config.toml]' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand mcp" -l vault -d 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand mcp" -l color -d 'When to use colour on the terminal (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c agentcred -n "__fish_agentcred_using_subcommand mcp" -l identity -d 'Unlock with this age identity file instead of a passphrase' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand mcp" -l key-file -d 'Act as an agent, with the agent key in this file' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand mcp" -l once -d 'Never renew the credential: after its expiry every call is refused'
complete -c agentcred -n "__fish_agentcred_using_subcommand mcp" -l json -d 'Print machine-readable JSON ("schema": 1) instead of tables'
complete -c agentcred -n "__fish_agentcred_using_subcommand mcp" -s q -l quiet -d 'Print only data and errors'
complete -c agentcred -n "__fish_agentcred_using_subcommand mcp" -s v -l verbose -d 'Explain what is happening on stderr (never secret values)'
complete -c agentcred -n "__fish_agentcred_using_subcommand mcp" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c agentcred -n "__fish_agentcred_using_subcommand delegate" -l to -d 'The agent receiving the delegation' -r -f -a "(agentcred __complete agents 2>/dev/null)"
complete -c agentcred -n "__fish_agentcred_using_subcommand delegate" -l actions -d 'Delegate only these actions, comma separated or repeated [default: every action the parent allows]' -r
complete -c agentcred -n "__fish_agentcred_using_subcommand delegate" -l resources -d 'Delegate only these resources, exact names, comma separated or repeated [default: every resource the parent allows]' -r
complete -c agentcred -n "__fish_agentcred_using_subcommand delegate" -l ttl -d 'How long the delegation lasts [default: as long as its parent]' -r
complete -c agentcred -n "__fish_agentcred_using_subcommand delegate" -l task -d 'What the delegation is for, recorded in the token and on the audit log' -r
complete -c agentcred -n "__fish_agentcred_using_subcommand delegate" -l token -d 'Delegate from this token (`-`: read it from stdin) instead of a fresh credential' -r
complete -c agentcred -n "__fish_agentcred_using_subcommand delegate" -l agent -d 'The delegating agent (with the admin unlock)' -r -f -a "(agentcred __complete agents 2>/dev/null)"
complete -c agentcred -n "__fish_agentcred_using_subcommand delegate" -l format -d 'How to print the delegated token' -r -f -a "token\t'The token alone'
json\t'A JSON document with the delegation and the token'"
complete -c agentcred -n "__fish_agentcred_using_subcommand delegate" -l vault -d 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand delegate" -l color -d 'When to use colour on the terminal (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c agentcred -n "__fish_agentcred_using_subcommand delegate" -l identity -d 'Unlock with this age identity file instead of a passphrase' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand delegate" -l key-file -d 'Act as an agent, with the agent key in this file' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand delegate" -l json -d 'Print machine-readable JSON ("schema": 1) instead of tables'
complete -c agentcred -n "__fish_agentcred_using_subcommand delegate" -s q -l quiet -d 'Print only data and errors'
complete -c agentcred -n "__fish_agentcred_using_subcommand delegate" -s v -l verbose -d 'Explain what is happening on stderr (never secret values)'
complete -c agentcred -n "__fish_agentcred_using_subcommand delegate" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c agentcred -n "__fish_agentcred_using_subcommand rotate" -l overlap -d 'The overlap window for what --apply rotates' -r
complete -c agentcred -n "__fish_agentcred_using_subcommand rotate" -l vault -d 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand rotate" -l color -d 'When to use colour on the terminal (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c agentcred -n "__fish_agentcred_using_subcommand rotate" -l identity -d 'Unlock with this age identity file instead of a passphrase' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand rotate" -l key-file -d 'Act as an agent, with the agent key in this file' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand rotate" -l due -d 'List what is due: secrets and keys past their max age, keys unused for 45 days, agents with more than one active key outside an overlap'
complete -c agentcred -n "__fish_agentcred_using_subcommand rotate" -l apply -d 'Rotate what agentcred can: secrets it generated get a new generated value'
complete -c agentcred -n "__fish_agentcred_using_subcommand rotate" -l json -d 'Print machine-readable JSON ("schema": 1) instead of tables'
complete -c agentcred -n "__fish_agentcred_using_subcommand rotate" -s q -l quiet -d 'Print only data and errors'
complete -c agentcred -n "__fish_agentcred_using_subcommand rotate" -s v -l verbose -d 'Explain what is happening on stderr (never secret values)'
complete -c agentcred -n "__fish_agentcred_using_subcommand rotate" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c agentcred -n "__fish_agentcred_using_subcommand audit; and not __fish_seen_subcommand_from list verify checkpoint tail anomalies hash help" -l agent -d 'Only entries about this agent' -r -f -a "(agentcred __complete agents 2>/dev/null)"
complete -c agentcred -n "__fish_agentcred_using_subcommand audit; and not __fish_seen_subcommand_from list verify checkpoint tail anomalies hash help" -l action -d 'Only this action (e.g. cred.mint), or a family ending in * (e.g. \'cred.*\')' -r
complete -c agentcred -n "__fish_agentcred_using_subcommand audit; and not __fish_seen_subcommand_from list verify checkpoint tail anomalies hash help" -l result -d 'Only this result' -r -f -a "ok\t''
denied\t''
error\t''"
complete -c agentcred -n "__fish_agentcred_using_subcommand audit; and not __fish_seen_subcommand_from list verify checkpoint tail anomalies hash help" -l since -d 'Only entries at or after this time: a duration ago (1h, 7d) or RFC 3339' -r
complete -c agentcred -n "__fish_agentcred_using_subcommand audit; and not __fish_seen_subcommand_from list verify checkpoint tail anomalies hash help" -l until -d 'Only entries before this time: a duration ago (1h, 7d) or RFC 3339' -r
complete -c agentcred -n "__fish_agentcred_using_subcommand audit; and not __fish_seen_subcommand_from list verify checkpoint tail anomalies hash help" -l limit -d 'Only the last N matching entries [default on a terminal: 100]' -r
complete -c agentcred -n "__fish_agentcred_using_subcommand audit; and not __fish_seen_subcommand_from list verify checkpoint tail anomalies hash help" -l vault -d 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand audit; and not __fish_seen_subcommand_from list verify checkpoint tail anomalies hash help" -l color -d 'When to use colour on the terminal (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c agentcred -n "__fish_agentcred_using_subcommand audit; and not __fish_seen_subcommand_from list verify checkpoint tail anomalies hash help" -l identity -d 'Unlock with this age identity file instead of a passphrase' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand audit; and not __fish_seen_subcommand_from list verify checkpoint tail anomalies hash help" -l key-file -d 'Act as an agent, with the agent key in this file' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand audit; and not __fish_seen_subcommand_from list verify checkpoint tail anomalies hash help" -l json -d 'Print machine-readable JSON ("schema": 1) instead of tables'
complete -c agentcred -n "__fish_agentcred_using_subcommand audit; and not __fish_seen_subcommand_from list verify checkpoint tail anomalies hash help" -s q -l quiet -d 'Print only data and errors'
complete -c agentcred -n "__fish_agentcred_using_subcommand audit; and not __fish_seen_subcommand_from list verify checkpoint tail anomalies hash help" -s v -l verbose -d 'Explain what is happening on stderr (never secret values)'
complete -c agentcred -n "__fish_agentcred_using_subcommand audit; and not __fish_seen_subcommand_from list verify checkpoint tail anomalies hash help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c agentcred -n "__fish_agentcred_using_subcommand audit; and not __fish_seen_subcommand_from list verify checkpoint tail anomalies hash help" -f -a "list" -d 'List entries, oldest first (a table; JSON Lines under --json)'
complete -c agentcred -n "__fish_agentcred_using_subcommand audit; and not __fish_seen_subcommand_from list verify checkpoint tail anomalies hash help" -f -a "verify" -d 'Recompute the hash chain and check every checkpoint (exit 65 on any failure)'
complete -c agentcred -n "__fish_agentcred_using_subcommand audit; and not __fish_seen_subcommand_from list verify checkpoint tail anomalies hash help" -f -a "checkpoint" -d 'Sign a checkpoint of the log\'s current size and head, to keep outside the vault'
complete -c agentcred -n "__fish_agentcred_using_subcommand audit; and not __fish_seen_subcommand_from list verify checkpoint tail anomalies hash help" -f -a "tail" -d 'Print the last entries, and with -f every new one as it is appended'
complete -c agentcred -n "__fish_agentcred_using_subcommand audit; and not __fish_seen_subcommand_from list verify checkpoint tail anomalies hash help" -f -a "anomalies" -d 'Report anomalies: call-rate bursts, failure spikes, denial bursts, first uses, stale keys'
complete -c agentcred -n "__fish_agentcred_using_subcommand audit; and not __fish_seen_subcommand_from list verify checkpoint tail anomalies hash help" -f -a "hash" -d 'Print the HMAC form of a value, as stored in argv_hmac / params_hmac, to search the log'
complete -c agentcred -n "__fish_agentcred_using_subcommand audit; and not __fish_seen_subcommand_from list verify checkpoint tail anomalies hash help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c agentcred -n "__fish_agentcred_using_subcommand audit; and __fish_seen_subcommand_from list" -l agent -d 'Only entries about this agent' -r -f -a "(agentcred __complete agents 2>/dev/null)"
complete -c agentcred -n "__fish_agentcred_using_subcommand audit; and __fish_seen_subcommand_from list" -l action -d 'Only this action (e.g. cred.mint), or a family ending in * (e.g. \'cred.*\')' -r
complete -c agentcred -n "__fish_agentcred_using_subcommand audit; and __fish_seen_subcommand_from list" -l result -d 'Only this result' -r -f -a "ok\t''
denied\t''
error\t''"
complete -c agentcred -n "__fish_agentcred_using_subcommand audit; and __fish_seen_subcommand_from list" -l since -d 'Only entries at or after this time: a duration ago (1h, 7d) or RFC 3339' -r
complete -c agentcred -n "__fish_agentcred_using_subcommand audit; and __fish_seen_subcommand_from list" -l until -d 'Only entries before this time: a duration ago (1h, 7d) or RFC 3339' -r
complete -c agentcred -n "__fish_agentcred_using_subcommand audit; and __fish_seen_subcommand_from list" -l limit -d 'Only the last N matching entries [default on a terminal: 100]' -r
complete -c agentcred -n "__fish_agentcred_using_subcommand audit; and __fish_seen_subcommand_from list" -l vault -d 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand audit; and __fish_seen_subcommand_from list" -l color -d 'When to use colour on the terminal (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c agentcred -n "__fish_agentcred_using_subcommand audit; and __fish_seen_subcommand_from list" -l identity -d 'Unlock with this age identity file instead of a passphrase' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand audit; and __fish_seen_subcommand_from list" -l key-file -d 'Act as an agent, with the agent key in this file' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand audit; and __fish_seen_subcommand_from list" -l json -d 'Print machine-readable JSON ("schema": 1) instead of tables'
complete -c agentcred -n "__fish_agentcred_using_subcommand audit; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Print only data and errors'
complete -c agentcred -n "__fish_agentcred_using_subcommand audit; and __fish_seen_subcommand_from list" -s v -l verbose -d 'Explain what is happening on stderr (never secret values)'
complete -c agentcred -n "__fish_agentcred_using_subcommand audit; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c agentcred -n "__fish_agentcred_using_subcommand audit; and __fish_seen_subcommand_from verify" -l checkpoint -d 'Also check against a checkpoint kept outside the vault (from `audit checkpoint`; repeatable)' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand audit; and __fish_seen_subcommand_from verify" -l witness -d 'Also check against the latest checkpoint the witness holds: COMMAND (run with `sh -c`, given the argument `get`), or without a value the `[audit] witness` of config.toml' -r
complete -c agentcred -n "__fish_agentcred_using_subcommand audit; and __fish_seen_subcommand_from verify" -l vault -d 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand audit; and __fish_seen_subcommand_from verify" -l color -d 'When to use colour on the terminal (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c agentcred -n "__fish_agentcred_using_subcommand audit; and __fish_seen_subcommand_from verify" -l identity -d 'Unlock with this age identity file instead of a passphrase' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand audit; and __fish_seen_subcommand_from verify" -l key-file -d 'Act as an agent, with the agent key in this file' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand audit; and __fish_seen_subcommand_from verify" -l full -d 'Check every entry\'s signature, also those a checkpoint\'s signer already checked'
complete -c agentcred -n "__fish_agentcred_using_subcommand audit; and __fish_seen_subcommand_from verify" -l json -d 'Print machine-readable JSON ("schema": 1) instead of tables'
complete -c agentcred -n "__fish_agentcred_using_subcommand audit; and __fish_seen_subcommand_from verify" -s q -l quiet -d 'Print only data and errors'
complete -c agentcred -n "__fish_agentcred_using_subcommand audit; and __fish_seen_subcommand_from verify" -s v -l verbose -d 'Explain what is happening on stderr (never secret values)'
complete -c agentcred -n "__fish_agentcred_using_subcommand audit; and __fish_seen_subcommand_from verify" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c agentcred -n "__fish_agentcred_using_subcommand audit; and __fish_seen_subcommand_from checkpoint" -l vault -d 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand audit; and __fish_seen_subcommand_from checkpoint" -l color -d 'When to use colour on the terminal (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c agentcred -n "__fish_agentcred_using_subcommand audit; and __fish_seen_subcommand_from checkpoint" -l identity -d 'Unlock with this age identity file instead of a passphrase' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand audit; and __fish_seen_subcommand_from checkpoint" -l key-file -d 'Act as an agent, with the agent key in this file' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand audit; and __fish_seen_subcommand_from checkpoint" -l json -d 'Print machine-readable JSON ("schema": 1) instead of tables'
complete -c agentcred -n "__fish_agentcred_using_subcommand audit; and __fish_seen_subcommand_from checkpoint" -s q -l quiet -d 'Print only data and errors'
complete -c agentcred -n "__fish_agentcred_using_subcommand audit; and __fish_seen_subcommand_from checkpoint" -s v -l verbose -d 'Explain what is happening on stderr (never secret values)'
complete -c agentcred -n "__fish_agentcred_using_subcommand audit; and __fish_seen_subcommand_from checkpoint" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c agentcred -n "__fish_agentcred_using_subcommand audit; and __fish_seen_subcommand_from tail" -s n -l lines -d 'How many of the last entries to print first' -r
complete -c agentcred -n "__fish_agentcred_using_subcommand audit; and __fish_seen_subcommand_from tail" -l vault -d 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand audit; and __fish_seen_subcommand_from tail" -l color -d 'When to use colour on the terminal (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c agentcred -n "__fish_agentcred_using_subcommand audit; and __fish_seen_subcommand_from tail" -l identity -d 'Unlock with this age identity file instead of a passphrase' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand audit; and __fish_seen_subcommand_from tail" -l key-file -d 'Act as an agent, with the agent key in this file' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand audit; and __fish_seen_subcommand_from tail" -s f -l follow -d 'Keep printing entries as they are appended, by this or any other process'
complete -c agentcred -n "__fish_agentcred_using_subcommand audit; and __fish_seen_subcommand_from tail" -l json -d 'Print machine-readable JSON ("schema": 1) instead of tables'
complete -c agentcred -n "__fish_agentcred_using_subcommand audit; and __fish_seen_subcommand_from tail" -s q -l quiet -d 'Print only data and errors'
complete -c agentcred -n "__fish_agentcred_using_subcommand audit; and __fish_seen_subcommand_from tail" -s v -l verbose -d 'Explain what is happening on stderr (never secret values)'
complete -c agentcred -n "__fish_agentcred_using_subcommand audit; and __fish_seen_subcommand_from tail" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c agentcred -n "__fish_agentcred_using_subcommand audit; and __fish_seen_subcommand_from anomalies" -l since -d 'Only anomalies at or after this time: a duration ago (24h, 7d) or RFC 3339' -r
complete -c agentcred -n "__fish_agentcred_using_subcommand audit; and __fish_seen_subcommand_from anomalies" -l vault -d 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand audit; and __fish_seen_subcommand_from anomalies" -l color -d 'When to use colour on the terminal (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c agentcred -n "__fish_agentcred_using_subcommand audit; and __fish_seen_subcommand_from anomalies" -l identity -d 'Unlock with this age identity file instead of a passphrase' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand audit; and __fish_seen_subcommand_from anomalies" -l key-file -d 'Act as an agent, with the agent key in this file' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand audit; and __fish_seen_subcommand_from anomalies" -l json -d 'Print machine-readable JSON ("schema": 1) instead of tables'
complete -c agentcred -n "__fish_agentcred_using_subcommand audit; and __fish_seen_subcommand_from anomalies" -s q -l quiet -d 'Print only data and errors'
complete -c agentcred -n "__fish_agentcred_using_subcommand audit; and __fish_seen_subcommand_from anomalies" -s v -l verbose -d 'Explain what is happening on stderr (never secret values)'
complete -c agentcred -n "__fish_agentcred_using_subcommand audit; and __fish_seen_subcommand_from anomalies" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c agentcred -n "__fish_agentcred_using_subcommand audit; and __fish_seen_subcommand_from hash" -l vault -d 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand audit; and __fish_seen_subcommand_from hash" -l color -d 'When to use colour on the terminal (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c agentcred -n "__fish_agentcred_using_subcommand audit; and __fish_seen_subcommand_from hash" -l identity -d 'Unlock with this age identity file instead of a passphrase' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand audit; and __fish_seen_subcommand_from hash" -l key-file -d 'Act as an agent, with the agent key in this file' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand audit; and __fish_seen_subcommand_from hash" -l stdin -d 'Read the value from stdin (one trailing newline is dropped)'
complete -c agentcred -n "__fish_agentcred_using_subcommand audit; and __fish_seen_subcommand_from hash" -l json -d 'Print machine-readable JSON ("schema": 1) instead of tables'
complete -c agentcred -n "__fish_agentcred_using_subcommand audit; and __fish_seen_subcommand_from hash" -s q -l quiet -d 'Print only data and errors'
complete -c agentcred -n "__fish_agentcred_using_subcommand audit; and __fish_seen_subcommand_from hash" -s v -l verbose -d 'Explain what is happening on stderr (never secret values)'
complete -c agentcred -n "__fish_agentcred_using_subcommand audit; and __fish_seen_subcommand_from hash" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c agentcred -n "__fish_agentcred_using_subcommand audit; and __fish_seen_subcommand_from help" -f -a "list" -d 'List entries, oldest first (a table; JSON Lines under --json)'
complete -c agentcred -n "__fish_agentcred_using_subcommand audit; and __fish_seen_subcommand_from help" -f -a "verify" -d 'Recompute the hash chain and check every checkpoint (exit 65 on any failure)'
complete -c agentcred -n "__fish_agentcred_using_subcommand audit; and __fish_seen_subcommand_from help" -f -a "checkpoint" -d 'Sign a checkpoint of the log\'s current size and head, to keep outside the vault'
complete -c agentcred -n "__fish_agentcred_using_subcommand audit; and __fish_seen_subcommand_from help" -f -a "tail" -d 'Print the last entries, and with -f every new one as it is appended'
complete -c agentcred -n "__fish_agentcred_using_subcommand audit; and __fish_seen_subcommand_from help" -f -a "anomalies" -d 'Report anomalies: call-rate bursts, failure spikes, denial bursts, first uses, stale keys'
complete -c agentcred -n "__fish_agentcred_using_subcommand audit; and __fish_seen_subcommand_from help" -f -a "hash" -d 'Print the HMAC form of a value, as stored in argv_hmac / params_hmac, to search the log'
complete -c agentcred -n "__fish_agentcred_using_subcommand audit; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c agentcred -n "__fish_agentcred_using_subcommand export-policy" -l out -d 'Write it to this new file (0600) instead of printing it' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand export-policy" -l vault -d 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand export-policy" -l color -d 'When to use colour on the terminal (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c agentcred -n "__fish_agentcred_using_subcommand export-policy" -l identity -d 'Unlock with this age identity file instead of a passphrase' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand export-policy" -l key-file -d 'Act as an agent, with the agent key in this file' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand export-policy" -l force -d 'With --out: replace the file if it exists'
complete -c agentcred -n "__fish_agentcred_using_subcommand export-policy" -l json -d 'Print machine-readable JSON ("schema": 1) instead of tables'
complete -c agentcred -n "__fish_agentcred_using_subcommand export-policy" -s q -l quiet -d 'Print only data and errors'
complete -c agentcred -n "__fish_agentcred_using_subcommand export-policy" -s v -l verbose -d 'Explain what is happening on stderr (never secret values)'
complete -c agentcred -n "__fish_agentcred_using_subcommand export-policy" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c agentcred -n "__fish_agentcred_using_subcommand plan" -l out -d 'Also save the plan to this new file (0600), for `agentcred apply PLAN`' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand plan" -l vault -d 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand plan" -l color -d 'When to use colour on the terminal (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c agentcred -n "__fish_agentcred_using_subcommand plan" -l identity -d 'Unlock with this age identity file instead of a passphrase' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand plan" -l key-file -d 'Act as an agent, with the agent key in this file' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand plan" -l force -d 'With --out: replace the file if it exists'
complete -c agentcred -n "__fish_agentcred_using_subcommand plan" -l json -d 'Print machine-readable JSON ("schema": 1) instead of tables'
complete -c agentcred -n "__fish_agentcred_using_subcommand plan" -s q -l quiet -d 'Print only data and errors'
complete -c agentcred -n "__fish_agentcred_using_subcommand plan" -s v -l verbose -d 'Explain what is happening on stderr (never secret values)'
complete -c agentcred -n "__fish_agentcred_using_subcommand plan" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c agentcred -n "__fish_agentcred_using_subcommand apply" -l vault -d 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand apply" -l color -d 'When to use colour on the terminal (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c agentcred -n "__fish_agentcred_using_subcommand apply" -l identity -d 'Unlock with this age identity file instead of a passphrase' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand apply" -l key-file -d 'Act as an agent, with the agent key in this file' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand apply" -s y -l yes -d 'Do not ask for confirmation'
complete -c agentcred -n "__fish_agentcred_using_subcommand apply" -l json -d 'Print machine-readable JSON ("schema": 1) instead of tables'
complete -c agentcred -n "__fish_agentcred_using_subcommand apply" -s q -l quiet -d 'Print only data and errors'
complete -c agentcred -n "__fish_agentcred_using_subcommand apply" -s v -l verbose -d 'Explain what is happening on stderr (never secret values)'
complete -c agentcred -n "__fish_agentcred_using_subcommand apply" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c agentcred -n "__fish_agentcred_using_subcommand policy; and not __fish_seen_subcommand_from schema check help" -l vault -d 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand policy; and not __fish_seen_subcommand_from schema check help" -l color -d 'When to use colour on the terminal (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c agentcred -n "__fish_agentcred_using_subcommand policy; and not __fish_seen_subcommand_from schema check help" -l identity -d 'Unlock with this age identity file instead of a passphrase' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand policy; and not __fish_seen_subcommand_from schema check help" -l key-file -d 'Act as an agent, with the agent key in this file' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand policy; and not __fish_seen_subcommand_from schema check help" -l json -d 'Print machine-readable JSON ("schema": 1) instead of tables'
complete -c agentcred -n "__fish_agentcred_using_subcommand policy; and not __fish_seen_subcommand_from schema check help" -s q -l quiet -d 'Print only data and errors'
complete -c agentcred -n "__fish_agentcred_using_subcommand policy; and not __fish_seen_subcommand_from schema check help" -s v -l verbose -d 'Explain what is happening on stderr (never secret values)'
complete -c agentcred -n "__fish_agentcred_using_subcommand policy; and not __fish_seen_subcommand_from schema check help" -s h -l help -d 'Print help'
complete -c agentcred -n "__fish_agentcred_using_subcommand policy; and not __fish_seen_subcommand_from schema check help" -f -a "schema" -d 'Print the JSON Schema of the policy file, for editors'
complete -c agentcred -n "__fish_agentcred_using_subcommand policy; and not __fish_seen_subcommand_from schema check help" -f -a "check" -d 'Check a policy file without a vault (exit 0 valid, 65 invalid, with line and column)'
complete -c agentcred -n "__fish_agentcred_using_subcommand policy; and not __fish_seen_subcommand_from schema check help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c agentcred -n "__fish_agentcred_using_subcommand policy; and __fish_seen_subcommand_from schema" -l vault -d 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand policy; and __fish_seen_subcommand_from schema" -l color -d 'When to use colour on the terminal (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c agentcred -n "__fish_agentcred_using_subcommand policy; and __fish_seen_subcommand_from schema" -l identity -d 'Unlock with this age identity file instead of a passphrase' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand policy; and __fish_seen_subcommand_from schema" -l key-file -d 'Act as an agent, with the agent key in this file' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand policy; and __fish_seen_subcommand_from schema" -l json -d 'Print machine-readable JSON ("schema": 1) instead of tables'
complete -c agentcred -n "__fish_agentcred_using_subcommand policy; and __fish_seen_subcommand_from schema" -s q -l quiet -d 'Print only data and errors'
complete -c agentcred -n "__fish_agentcred_using_subcommand policy; and __fish_seen_subcommand_from schema" -s v -l verbose -d 'Explain what is happening on stderr (never secret values)'
complete -c agentcred -n "__fish_agentcred_using_subcommand policy; and __fish_seen_subcommand_from schema" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c agentcred -n "__fish_agentcred_using_subcommand policy; and __fish_seen_subcommand_from check" -l vault -d 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand policy; and __fish_seen_subcommand_from check" -l color -d 'When to use colour on the terminal (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c agentcred -n "__fish_agentcred_using_subcommand policy; and __fish_seen_subcommand_from check" -l identity -d 'Unlock with this age identity file instead of a passphrase' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand policy; and __fish_seen_subcommand_from check" -l key-file -d 'Act as an agent, with the agent key in this file' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand policy; and __fish_seen_subcommand_from check" -l json -d 'Print machine-readable JSON ("schema": 1) instead of tables'
complete -c agentcred -n "__fish_agentcred_using_subcommand policy; and __fish_seen_subcommand_from check" -s q -l quiet -d 'Print only data and errors'
complete -c agentcred -n "__fish_agentcred_using_subcommand policy; and __fish_seen_subcommand_from check" -s v -l verbose -d 'Explain what is happening on stderr (never secret values)'
complete -c agentcred -n "__fish_agentcred_using_subcommand policy; and __fish_seen_subcommand_from check" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c agentcred -n "__fish_agentcred_using_subcommand policy; and __fish_seen_subcommand_from help" -f -a "schema" -d 'Print the JSON Schema of the policy file, for editors'
complete -c agentcred -n "__fish_agentcred_using_subcommand policy; and __fish_seen_subcommand_from help" -f -a "check" -d 'Check a policy file without a vault (exit 0 valid, 65 invalid, with line and column)'
complete -c agentcred -n "__fish_agentcred_using_subcommand policy; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c agentcred -n "__fish_agentcred_using_subcommand git-credential" -l agent -d 'The agent (with an agent key: the key\'s agent, the default) [default: $AGENTCRED_AGENT, else `[helpers] agent` in config.toml]' -r -f -a "(agentcred __complete agents 2>/dev/null)"
complete -c agentcred -n "__fish_agentcred_using_subcommand git-credential" -l ttl -d 'Lifetime of each credential minted, e.g. 1h [default: the agent\'s default TTL]' -r
complete -c agentcred -n "__fish_agentcred_using_subcommand git-credential" -l secret -d 'Serve this secret for every host git asks about (scope the helper to a URL in git\'s config) [default: the granted secret bound to the host, else named after it]' -r -f -a "(agentcred __complete secrets 2>/dev/null)"
complete -c agentcred -n "__fish_agentcred_using_subcommand git-credential" -l username -d 'The user name to answer with [default: the one git sends, else x-access-token]' -r
complete -c agentcred -n "__fish_agentcred_using_subcommand git-credential" -l vault -d 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand git-credential" -l color -d 'When to use colour on the terminal (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c agentcred -n "__fish_agentcred_using_subcommand git-credential" -l identity -d 'Unlock with this age identity file instead of a passphrase' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand git-credential" -l key-file -d 'Act as an agent, with the agent key in this file' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand git-credential" -l json -d 'Print machine-readable JSON ("schema": 1) instead of tables'
complete -c agentcred -n "__fish_agentcred_using_subcommand git-credential" -s q -l quiet -d 'Print only data and errors'
complete -c agentcred -n "__fish_agentcred_using_subcommand git-credential" -s v -l verbose -d 'Explain what is happening on stderr (never secret values)'
complete -c agentcred -n "__fish_agentcred_using_subcommand git-credential" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c agentcred -n "__fish_agentcred_using_subcommand aws-credential-process" -l agent -d 'The agent (with an agent key: the key\'s agent, the default) [default: $AGENTCRED_AGENT, else `[helpers] agent` in config.toml]' -r -f -a "(agentcred __complete agents 2>/dev/null)"
complete -c agentcred -n "__fish_agentcred_using_subcommand aws-credential-process" -l ttl -d 'Lifetime of each credential minted, e.g. 1h [default: the agent\'s default TTL]' -r
complete -c agentcred -n "__fish_agentcred_using_subcommand aws-credential-process" -l secret -d 'The secret holding the key pair, as JSON: {"AccessKeyId": …, "SecretAccessKey": …, "SessionToken": … (optional)}' -r -f -a "(agentcred __complete secrets 2>/dev/null)"
complete -c agentcred -n "__fish_agentcred_using_subcommand aws-credential-process" -l vault -d 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand aws-credential-process" -l color -d 'When to use colour on the terminal (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c agentcred -n "__fish_agentcred_using_subcommand aws-credential-process" -l identity -d 'Unlock with this age identity file instead of a passphrase' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand aws-credential-process" -l key-file -d 'Act as an agent, with the agent key in this file' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand aws-credential-process" -l json -d 'Print machine-readable JSON ("schema": 1) instead of tables'
complete -c agentcred -n "__fish_agentcred_using_subcommand aws-credential-process" -s q -l quiet -d 'Print only data and errors'
complete -c agentcred -n "__fish_agentcred_using_subcommand aws-credential-process" -s v -l verbose -d 'Explain what is happening on stderr (never secret values)'
complete -c agentcred -n "__fish_agentcred_using_subcommand aws-credential-process" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c agentcred -n "__fish_agentcred_using_subcommand docker-credential" -l agent -d 'The agent (with an agent key: the key\'s agent, the default) [default: $AGENTCRED_AGENT, else `[helpers] agent` in config.toml]' -r -f -a "(agentcred __complete agents 2>/dev/null)"
complete -c agentcred -n "__fish_agentcred_using_subcommand docker-credential" -l ttl -d 'Lifetime of each credential minted, e.g. 1h [default: the agent\'s default TTL]' -r
complete -c agentcred -n "__fish_agentcred_using_subcommand docker-credential" -l username -d 'The user name to answer with [default: x-access-token]' -r
complete -c agentcred -n "__fish_agentcred_using_subcommand docker-credential" -l vault -d 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand docker-credential" -l color -d 'When to use colour on the terminal (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c agentcred -n "__fish_agentcred_using_subcommand docker-credential" -l identity -d 'Unlock with this age identity file instead of a passphrase' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand docker-credential" -l key-file -d 'Act as an agent, with the agent key in this file' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand docker-credential" -l json -d 'Print machine-readable JSON ("schema": 1) instead of tables'
complete -c agentcred -n "__fish_agentcred_using_subcommand docker-credential" -s q -l quiet -d 'Print only data and errors'
complete -c agentcred -n "__fish_agentcred_using_subcommand docker-credential" -s v -l verbose -d 'Explain what is happening on stderr (never secret values)'
complete -c agentcred -n "__fish_agentcred_using_subcommand docker-credential" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c agentcred -n "__fish_agentcred_using_subcommand kube-credential" -l agent -d 'The agent (with an agent key: the key\'s agent, the default) [default: $AGENTCRED_AGENT, else `[helpers] agent` in config.toml]' -r -f -a "(agentcred __complete agents 2>/dev/null)"
complete -c agentcred -n "__fish_agentcred_using_subcommand kube-credential" -l ttl -d 'Lifetime of each credential minted, e.g. 1h [default: the agent\'s default TTL]' -r
complete -c agentcred -n "__fish_agentcred_using_subcommand kube-credential" -l secret -d 'The secret holding the bearer token' -r -f -a "(agentcred __complete secrets 2>/dev/null)"
complete -c agentcred -n "__fish_agentcred_using_subcommand kube-credential" -l vault -d 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand kube-credential" -l color -d 'When to use colour on the terminal (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c agentcred -n "__fish_agentcred_using_subcommand kube-credential" -l identity -d 'Unlock with this age identity file instead of a passphrase' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand kube-credential" -l key-file -d 'Act as an agent, with the agent key in this file' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand kube-credential" -l json -d 'Print machine-readable JSON ("schema": 1) instead of tables'
complete -c agentcred -n "__fish_agentcred_using_subcommand kube-credential" -s q -l quiet -d 'Print only data and errors'
complete -c agentcred -n "__fish_agentcred_using_subcommand kube-credential" -s v -l verbose -d 'Explain what is happening on stderr (never secret values)'
complete -c agentcred -n "__fish_agentcred_using_subcommand kube-credential" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c agentcred -n "__fish_agentcred_using_subcommand demo" -l vault -d 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand demo" -l color -d 'When to use colour on the terminal (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c agentcred -n "__fish_agentcred_using_subcommand demo" -l identity -d 'Unlock with this age identity file instead of a passphrase' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand demo" -l key-file -d 'Act as an agent, with the agent key in this file' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand demo" -l json -d 'Print machine-readable JSON ("schema": 1) instead of tables'
complete -c agentcred -n "__fish_agentcred_using_subcommand demo" -s q -l quiet -d 'Print only data and errors'
complete -c agentcred -n "__fish_agentcred_using_subcommand demo" -s v -l verbose -d 'Explain what is happening on stderr (never secret values)'
complete -c agentcred -n "__fish_agentcred_using_subcommand demo" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c agentcred -n "__fish_agentcred_using_subcommand completions" -l vault -d 'The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand completions" -l color -d 'When to use colour on the terminal (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c agentcred -n "__fish_agentcred_using_subcommand completions" -l identity -d 'Unlock with this age identity file instead of a passphrase' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand completions" -l key-file -d 'Act as an agent, with the agent key in this file' -r -F
complete -c agentcred -n "__fish_agentcred_using_subcommand completions" -l json -d 'Print machine-readable JSON ("schema": 1) instead of tables'
complete -c agentcred -n "__fish_agentcred_using_subcommand completions" -s q -l quiet -d 'Print only data and errors'
complete -c agentcred -n "__fish_agentcred_using_subcommand completions" -s v -l verbose -d 'Explain what is happening on stderr (never secret values)'
complete -c agentcred -n "__fish_agentcred_using_subcommand completions" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c agentcred -n "__fish_agentcred_using_subcommand help; and not __fish_seen_subcommand_from init status unlock lock identity recipients agent secret grant key mint verify present creds exec broker mcp delegate rotate audit export-policy plan apply policy git-credential aws-credential-process docker-credential kube-credential demo completions help" -f -a "init" -d 'Create a new vault'
complete -c agentcred -n "__fish_agentcred_using_subcommand help; and not __fish_seen_subcommand_from init status unlock lock identity recipients agent secret grant key mint verify present creds exec broker mcp delegate rotate audit export-policy plan apply policy git-credential aws-credential-process docker-credential kube-credential demo completions help" -f -a "status" -d 'Show the vault, what it holds, and anything that needs attention'
complete -c agentcred -n "__fish_agentcred_using_subcommand help; and not __fish_seen_subcommand_from init status unlock lock identity recipients agent secret grant key mint verify present creds exec broker mcp delegate rotate audit export-policy plan apply policy git-credential aws-credential-process docker-credential kube-credential demo completions help" -f -a "unlock" -d 'Unlock the vault for a while: later admin commands need no passphrase'
complete -c agentcred -n "__fish_agentcred_using_subcommand help; and not __fish_seen_subcommand_from init status unlock lock identity recipients agent secret grant key mint verify present creds exec broker mcp delegate rotate audit export-policy plan apply policy git-credential aws-credential-process docker-credential kube-credential demo completions help" -f -a "lock" -d 'End the unlock session `agentcred unlock` started'
complete -c agentcred -n "__fish_agentcred_using_subcommand help; and not __fish_seen_subcommand_from init status unlock lock identity recipients agent secret grant key mint verify present creds exec broker mcp delegate rotate audit export-policy plan apply policy git-credential aws-credential-process docker-credential kube-credential demo completions help" -f -a "identity" -d 'The admin identity'
complete -c agentcred -n "__fish_agentcred_using_subcommand help; and not __fish_seen_subcommand_from init status unlock lock identity recipients agent secret grant key mint verify present creds exec broker mcp delegate rotate audit export-policy plan apply policy git-credential aws-credential-process docker-credential kube-credential demo completions help" -f -a "recipients" -d 'Extra age recipients the vault state is encrypted to (team members, CI)'
complete -c agentcred -n "__fish_agentcred_using_subcommand help; and not __fish_seen_subcommand_from init status unlock lock identity recipients agent secret grant key mint verify present creds exec broker mcp delegate rotate audit export-policy plan apply policy git-credential aws-credential-process docker-credential kube-credential demo completions help" -f -a "agent" -d 'Register and manage agents'
complete -c agentcred -n "__fish_agentcred_using_subcommand help; and not __fish_seen_subcommand_from init status unlock lock identity recipients agent secret grant key mint verify present creds exec broker mcp delegate rotate audit export-policy plan apply policy git-credential aws-credential-process docker-credential kube-credential demo completions help" -f -a "secret" -d 'Store and manage upstream secrets (values never on the command line)'
complete -c agentcred -n "__fish_agentcred_using_subcommand help; and not __fish_seen_subcommand_from init status unlock lock identity recipients agent secret grant key mint verify present creds exec broker mcp delegate rotate audit export-policy plan apply policy git-credential aws-credential-process docker-credential kube-credential demo completions help" -f -a "grant" -d 'Grant an agent a secret with a scope; `grant list`, `grant revoke GRANT_ID`'
complete -c agentcred -n "__fish_agentcred_using_subcommand help; and not __fish_seen_subcommand_from init status unlock lock identity recipients agent secret grant key mint verify present creds exec broker mcp delegate rotate audit export-policy plan apply policy git-credential aws-credential-process docker-credential kube-credential demo completions help" -f -a "key" -d 'Issue, list and revoke agent keys (what a CI step holds instead of the master key)'
complete -c agentcred -n "__fish_agentcred_using_subcommand help; and not __fish_seen_subcommand_from init status unlock lock identity recipients agent secret grant key mint verify present creds exec broker mcp delegate rotate audit export-policy plan apply policy git-credential aws-credential-process docker-credential kube-credential demo completions help" -f -a "mint" -d 'Mint a short-lived credential for an agent'
complete -c agentcred -n "__fish_agentcred_using_subcommand help; and not __fish_seen_subcommand_from init status unlock lock identity recipients agent secret grant key mint verify present creds exec broker mcp delegate rotate audit export-policy plan apply policy git-credential aws-credential-process docker-credential kube-credential demo completions help" -f -a "verify" -d 'Verify a credential token offline (exit 0 allowed, 3 denied, 65 malformed or forged)'
complete -c agentcred -n "__fish_agentcred_using_subcommand help; and not __fish_seen_subcommand_from init status unlock lock identity recipients agent secret grant key mint verify present creds exec broker mcp delegate rotate audit export-policy plan apply policy git-credential aws-credential-process docker-credential kube-credential demo completions help" -f -a "present" -d 'Present a token as its holder: append a fresh proof that you hold the holder\'s key'
complete -c agentcred -n "__fish_agentcred_using_subcommand help; and not __fish_seen_subcommand_from init status unlock lock identity recipients agent secret grant key mint verify present creds exec broker mcp delegate rotate audit export-policy plan apply policy git-credential aws-credential-process docker-credential kube-credential demo completions help" -f -a "creds" -d 'List and revoke credentials'
complete -c agentcred -n "__fish_agentcred_using_subcommand help; and not __fish_seen_subcommand_from init status unlock lock identity recipients agent secret grant key mint verify present creds exec broker mcp delegate rotate audit export-policy plan apply policy git-credential aws-credential-process docker-credential kube-credential demo completions help" -f -a "exec" -d 'Run a program with an agent\'s short-lived credential in its environment'
complete -c agentcred -n "__fish_agentcred_using_subcommand help; and not __fish_seen_subcommand_from init status unlock lock identity recipients agent secret grant key mint verify present creds exec broker mcp delegate rotate audit export-policy plan apply policy git-credential aws-credential-process docker-credential kube-credential demo completions help" -f -a "broker" -d 'Run a broker on its own, for a program started elsewhere (a container, an IDE)'
complete -c agentcred -n "__fish_agentcred_using_subcommand help; and not __fish_seen_subcommand_from init status unlock lock identity recipients agent secret grant key mint verify present creds exec broker mcp delegate rotate audit export-policy plan apply policy git-credential aws-credential-process docker-credential kube-credential demo completions help" -f -a "mcp" -d 'An MCP server over stdio: HTTP requests with brokered secrets, for agent harnesses'
complete -c agentcred -n "__fish_agentcred_using_subcommand help; and not __fish_seen_subcommand_from init status unlock lock identity recipients agent secret grant key mint verify present creds exec broker mcp delegate rotate audit export-policy plan apply policy git-credential aws-credential-process docker-credential kube-credential demo completions help" -f -a "delegate" -d 'Hand another agent a narrower part of an agent\'s rights, as a signed token'
complete -c agentcred -n "__fish_agentcred_using_subcommand help; and not __fish_seen_subcommand_from init status unlock lock identity recipients agent secret grant key mint verify present creds exec broker mcp delegate rotate audit export-policy plan apply policy git-credential aws-credential-process docker-credential kube-credential demo completions help" -f -a "rotate" -d 'What is due for rotation (`rotate --due`), and rotating it (`--apply`)'
complete -c agentcred -n "__fish_agentcred_using_subcommand help; and not __fish_seen_subcommand_from init status unlock lock identity recipients agent secret grant key mint verify present creds exec broker mcp delegate rotate audit export-policy plan apply policy git-credential aws-credential-process docker-credential kube-credential demo completions help" -f -a "audit" -d 'Query, verify and watch the tamper-evident audit log'
complete -c agentcred -n "__fish_agentcred_using_subcommand help; and not __fish_seen_subcommand_from init status unlock lock identity recipients agent secret grant key mint verify present creds exec broker mcp delegate rotate audit export-policy plan apply policy git-credential aws-credential-process docker-credential kube-credential demo completions help" -f -a "export-policy" -d 'Write the vault\'s policy (agents, limits, secrets\' metadata, grants) as a TOML file'
complete -c agentcred -n "__fish_agentcred_using_subcommand help; and not __fish_seen_subcommand_from init status unlock lock identity recipients agent secret grant key mint verify present creds exec broker mcp delegate rotate audit export-policy plan apply policy git-credential aws-credential-process docker-credential kube-credential demo completions help" -f -a "plan" -d 'Show what applying a policy file would change (exit 0 none, 2 changes, 65 invalid file)'
complete -c agentcred -n "__fish_agentcred_using_subcommand help; and not __fish_seen_subcommand_from init status unlock lock identity recipients agent secret grant key mint verify present creds exec broker mcp delegate rotate audit export-policy plan apply policy git-credential aws-credential-process docker-credential kube-credential demo completions help" -f -a "apply" -d 'Make the vault\'s policy that of a file (or of a saved plan), in one commit'
complete -c agentcred -n "__fish_agentcred_using_subcommand help; and not __fish_seen_subcommand_from init status unlock lock identity recipients agent secret grant key mint verify present creds exec broker mcp delegate rotate audit export-policy plan apply policy git-credential aws-credential-process docker-credential kube-credential demo completions help" -f -a "policy" -d 'The policy file\'s JSON Schema, and checking a file without a vault'
complete -c agentcred -n "__fish_agentcred_using_subcommand help; and not __fish_seen_subcommand_from init status unlock lock identity recipients agent secret grant key mint verify present creds exec broker mcp delegate rotate audit export-policy plan apply policy git-credential aws-credential-process docker-credential kube-credential demo completions help" -f -a "git-credential" -d 'git\'s credential helper: each request answered with a freshly minted, audited credential'
complete -c agentcred -n "__fish_agentcred_using_subcommand help; and not __fish_seen_subcommand_from init status unlock lock identity recipients agent secret grant key mint verify present creds exec broker mcp delegate rotate audit export-policy plan apply policy git-credential aws-credential-process docker-credential kube-credential demo completions help" -f -a "aws-credential-process" -d 'AWS credential_process: a key pair from a secret, with the credential\'s expiry'
complete -c agentcred -n "__fish_agentcred_using_subcommand help; and not __fish_seen_subcommand_from init status unlock lock identity recipients agent secret grant key mint verify present creds exec broker mcp delegate rotate audit export-policy plan apply policy git-credential aws-credential-process docker-credential kube-credential demo completions help" -f -a "docker-credential" -d 'docker\'s credential helper (also run as docker-credential-agentcred)'
complete -c agentcred -n "__fish_agentcred_using_subcommand help; and not __fish_seen_subcommand_from init status unlock lock identity recipients agent secret grant key mint verify present creds exec broker mcp delegate rotate audit export-policy plan apply policy git-credential aws-credential-process docker-credential kube-credential demo completions help" -f -a "kube-credential" -d 'kubectl\'s exec credential plugin: a bearer token as an ExecCredential'
complete -c agentcred -n "__fish_agentcred_using_subcommand help; and not __fish_seen_subcommand_from init status unlock lock identity recipients agent secret grant key mint verify present creds exec broker mcp delegate rotate audit export-policy plan apply policy git-credential aws-credential-process docker-credential kube-credential demo completions help" -f -a "demo" -d 'A walk-through of everything, in a throwaway vault that is removed afterwards'
complete -c agentcred -n "__fish_agentcred_using_subcommand help; and not __fish_seen_subcommand_from init status unlock lock identity recipients agent secret grant key mint verify present creds exec broker mcp delegate rotate audit export-policy plan apply policy git-credential aws-credential-process docker-credential kube-credential demo completions help" -f -a "completions" -d 'Print a shell completion script'
complete -c agentcred -n "__fish_agentcred_using_subcommand help; and not __fish_seen_subcommand_from init status unlock lock identity recipients agent secret grant key mint verify present creds exec broker mcp delegate rotate audit export-policy plan apply policy git-credential aws-credential-process docker-credential kube-credential demo completions help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c agentcred -n "__fish_agentcred_using_subcommand help; and __fish_seen_subcommand_from identity" -f -a "export" -d 'Print the admin age identity (AGE-SECRET-KEY-1…), for recovery with stock age'
complete -c agentcred -n "__fish_agentcred_using_subcommand help; and __fish_seen_subcommand_from identity" -f -a "rotate-issuer" -d 'Start signing tokens with a new issuer key; tokens of the old one verify until the overlap ends'
complete -c agentcred -n "__fish_agentcred_using_subcommand help; and __fish_seen_subcommand_from recipients" -f -a "list" -d 'List the recipients'
complete -c agentcred -n "__fish_agentcred_using_subcommand help; and __fish_seen_subcommand_from recipients" -f -a "add" -d 'Add a recipient and re-encrypt the vault to it'
complete -c agentcred -n "__fish_agentcred_using_subcommand help; and __fish_seen_subcommand_from recipients" -f -a "remove" -d 'Remove a recipient and re-encrypt the vault without it'
complete -c agentcred -n "__fish_agentcred_using_subcommand help; and __fish_seen_subcommand_from agent" -f -a "add" -d 'Register one or more agents (one write for all)'
complete -c agentcred -n "__fish_agentcred_using_subcommand help; and __fish_seen_subcommand_from agent" -f -a "list" -d 'List agents'
complete -c agentcred -n "__fish_agentcred_using_subcommand help; and __fish_seen_subcommand_from agent" -f -a "show" -d 'Show one agent'
complete -c agentcred -n "__fish_agentcred_using_subcommand help; and __fish_seen_subcommand_from agent" -f -a "suspend" -d 'Suspend an agent: it can mint nothing until resumed'
complete -c agentcred -n "__fish_agentcred_using_subcommand help; and __fish_seen_subcommand_from agent" -f -a "resume" -d 'Resume a suspended agent'
complete -c agentcred -n "__fish_agentcred_using_subcommand help; and __fish_seen_subcommand_from agent" -f -a "remove" -d 'Remove an agent and everything granted to it'
complete -c agentcred -n "__fish_agentcred_using_subcommand help; and __fish_seen_subcommand_from secret" -f -a "set" -d 'Store a secret, or a new version of it (value from a prompt, stdin, a file, or generated)'
complete -c agentcred -n "__fish_agentcred_using_subcommand help; and __fish_seen_subcommand_from secret" -f -a "add" -d 'Add a secret whose value OpenBao provides: a token or a lease per credential, or a KV field'
complete -c agentcred -n "__fish_agentcred_using_subcommand help; and __fish_seen_subcommand_from secret" -f -a "edit" -d 'Change a secret\'s metadata: variable, max age, bound hosts, delivery (never the value)'
complete -c agentcred -n "__fish_agentcred_using_subcommand help; and __fish_seen_subcommand_from secret" -f -a "list" -d 'List secrets (metadata only)'
complete -c agentcred -n "__fish_agentcred_using_subcommand help; and __fish_seen_subcommand_from secret" -f -a "show" -d 'Show a secret\'s metadata and versions (never the value)'
complete -c agentcred -n "__fish_agentcred_using_subcommand help; and __fish_seen_subcommand_from secret" -f -a "remove" -d 'Remove a secret and destroy all its versions'
complete -c agentcred -n "__fish_agentcred_using_subcommand help; and __fish_seen_subcommand_from secret" -f -a "rotate" -d 'Rotate a secret with an overlap window, or stage and finish a rotation'
complete -c agentcred -n "__fish_agentcred_using_subcommand help; and __fish_seen_subcommand_from grant" -f -a "list" -d 'List grants'
complete -c agentcred -n "__fish_agentcred_using_subcommand help; and __fish_seen_subcommand_from grant" -f -a "revoke" -d 'Revoke a grant (credentials minted under it are revoked too)'
complete -c agentcred -n "__fish_agentcred_using_subcommand help; and __fish_seen_subcommand_from key" -f -a "issue" -d 'Issue a key for an agent; it is printed once (or written to --out, 0600)'
complete -c agentcred -n "__fish_agentcred_using_subcommand help; and __fish_seen_subcommand_from key" -f -a "list" -d 'List keys (public data only)'
complete -c agentcred -n "__fish_agentcred_using_subcommand help; and __fish_seen_subcommand_from key" -f -a "revoke" -d 'Revoke a key now; credentials it minted are revoked too'
complete -c agentcred -n "__fish_agentcred_using_subcommand help; and __fish_seen_subcommand_from key" -f -a "rotate" -d 'Issue a new key for an agent; its current keys keep working until the overlap ends'
complete -c agentcred -n "__fish_agentcred_using_subcommand help; and __fish_seen_subcommand_from creds" -f -a "list" -d 'List credentials (metadata only)'
complete -c agentcred -n "__fish_agentcred_using_subcommand help; and __fish_seen_subcommand_from creds" -f -a "revoke" -d 'Revoke one credential (and everything derived from it), or all of an agent\'s'
complete -c agentcred -n "__fish_agentcred_using_subcommand help; and __fish_seen_subcommand_from audit" -f -a "list" -d 'List entries, oldest first (a table; JSON Lines under --json)'
complete -c agentcred -n "__fish_agentcred_using_subcommand help; and __fish_seen_subcommand_from audit" -f -a "verify" -d 'Recompute the hash chain and check every checkpoint (exit 65 on any failure)'
complete -c agentcred -n "__fish_agentcred_using_subcommand help; and __fish_seen_subcommand_from audit" -f -a "checkpoint" -d 'Sign a checkpoint of the log\'s current size and head, to keep outside the vault'
complete -c agentcred -n "__fish_agentcred_using_subcommand help; and __fish_seen_subcommand_from audit" -f -a "tail" -d 'Print the last entries, and with -f every new one as it is appended'
complete -c agentcred -n "__fish_agentcred_using_subcommand help; and __fish_seen_subcommand_from audit" -f -a "anomalies" -d 'Report anomalies: call-rate bursts, failure spikes, denial bursts, first uses, stale keys'
complete -c agentcred -n "__fish_agentcred_using_subcommand help; and __fish_seen_subcommand_from audit" -f -a "hash" -d 'Print the HMAC form of a value, as stored in argv_hmac / params_hmac, to search the log'
complete -c agentcred -n "__fish_agentcred_using_subcommand help; and __fish_seen_subcommand_from policy" -f -a "schema" -d 'Print the JSON Schema of the policy file, for editors'
complete -c agentcred -n "__fish_agentcred_using_subcommand help; and __fish_seen_subcommand_from policy" -f -a "check" -d 'Check a policy file without a vault (exit 0 valid, 65 invalid, with line and column)'
complete -c agentcred -n "__fish_agentcred_using_subcommand agent; and __fish_seen_subcommand_from show" -f -a "(agentcred __complete agents 2>/dev/null)"
complete -c agentcred -n "__fish_agentcred_using_subcommand agent; and __fish_seen_subcommand_from suspend" -f -a "(agentcred __complete agents 2>/dev/null)"
complete -c agentcred -n "__fish_agentcred_using_subcommand agent; and __fish_seen_subcommand_from resume" -f -a "(agentcred __complete agents 2>/dev/null)"
complete -c agentcred -n "__fish_agentcred_using_subcommand agent; and __fish_seen_subcommand_from remove" -f -a "(agentcred __complete agents 2>/dev/null)"
complete -c agentcred -n "__fish_agentcred_using_subcommand secret; and __fish_seen_subcommand_from edit" -f -a "(agentcred __complete secrets 2>/dev/null)"
complete -c agentcred -n "__fish_agentcred_using_subcommand secret; and __fish_seen_subcommand_from show" -f -a "(agentcred __complete secrets 2>/dev/null)"
complete -c agentcred -n "__fish_agentcred_using_subcommand secret; and __fish_seen_subcommand_from remove" -f -a "(agentcred __complete secrets 2>/dev/null)"
complete -c agentcred -n "__fish_agentcred_using_subcommand secret; and __fish_seen_subcommand_from rotate" -f -a "(agentcred __complete secrets 2>/dev/null)"
complete -c agentcred -n "__fish_agentcred_using_subcommand grant; and not __fish_seen_subcommand_from list revoke help" -f -a "(agentcred __complete agents 2>/dev/null)"
complete -c agentcred -n "__fish_agentcred_using_subcommand key; and __fish_seen_subcommand_from issue" -f -a "(agentcred __complete agents 2>/dev/null)"
complete -c agentcred -n "__fish_agentcred_using_subcommand key; and __fish_seen_subcommand_from list" -f -a "(agentcred __complete agents 2>/dev/null)"
complete -c agentcred -n "__fish_agentcred_using_subcommand key; and __fish_seen_subcommand_from rotate" -f -a "(agentcred __complete agents 2>/dev/null)"
