//! The command line (docs/DESIGN.md, "Commands"), as clap definitions. Also the source of the shell
//! completions in `completions/` and the man pages in `man/`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::agent::RateLimit;
use crate::duration;

mod helpers;
pub use helpers::{
    AwsCredentialArgs, DockerAction, DockerCredentialArgs, GitCredentialArgs, HelperAgentArgs,
    KubeCredentialArgs,
};

#[derive(Debug, Parser)]
#[command(
    name = "agentcred",
    version,
    about = "Scoped, short-lived, audited credentials for AI agents, from an age-encrypted local vault",
    long_about = "agentcred keeps the credentials your AI agents use in an age-encrypted local vault and \
hands each agent only what it was granted, only for as long as its task needs, with every step on a \
tamper-evident audit log.\n\n\
Unlock inputs, first found wins: --identity / AGENTCRED_IDENTITY (an age identity file), \
--key-file / AGENTCRED_KEY_FILE / AGENTCRED_KEY (an agent key), AGENTCRED_PASSPHRASE_FILE, \
AGENTCRED_PASSPHRASE, then a prompt when stdin is a terminal.",
    after_help = "Start with `agentcred demo` for a walk-through in a throwaway vault.",
    max_term_width = 100
)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub struct Global {
    /// The vault directory [default: the platform data dir, e.g. ~/.local/share/agentcred]
    #[arg(
        long,
        global = true,
        help_heading = "Global options",
        env = "AGENTCRED_HOME",
        value_name = "DIR"
    )]
    pub vault: Option<PathBuf>,

    /// Print machine-readable JSON ("schema": 1) instead of tables
    #[arg(long, global = true, help_heading = "Global options")]
    pub json: bool,

    /// When to use colour on the terminal (NO_COLOR is honoured)
    #[arg(long, global = true, help_heading = "Global options", value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub color: ColorChoice,

    /// Print only data and errors
    #[arg(
        short,
        long,
        global = true,
        help_heading = "Global options",
        conflicts_with = "verbose"
    )]
    pub quiet: bool,

    /// Explain what is happening on stderr (never secret values)
    #[arg(short, long, global = true, help_heading = "Global options")]
    pub verbose: bool,

    /// Unlock with this age identity file instead of a passphrase
    #[arg(
        long,
        global = true,
        help_heading = "Global options",
        env = "AGENTCRED_IDENTITY",
        value_name = "FILE"
    )]
    pub identity: Option<PathBuf>,

    /// Act as an agent, with the agent key in this file
    #[arg(
        long,
        global = true,
        help_heading = "Global options",
        env = "AGENTCRED_KEY_FILE",
        value_name = "FILE"
    )]
    pub key_file: Option<PathBuf>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create a new vault
    #[command(long_about = "Create a new vault.\n\n\
The passphrase comes from AGENTCRED_PASSPHRASE_FILE, AGENTCRED_PASSPHRASE or a prompt (asked twice). \
Argon2id turns it into the vault's admin age identity; `agentcred identity export` prints that \
identity so stock `age -d` can always recover the data. With --no-passphrase a new identity is \
written to --identity-out instead, for CI.")]
    #[command(
        after_long_help = "Examples:\n  agentcred init\n  agentcred init --no-passphrase --identity-out ~/.config/agentcred/admin.key"
    )]
    Init(InitArgs),

    /// Show the vault, what it holds, and anything that needs attention
    #[command(after_long_help = "Examples:\n  agentcred status\n  agentcred status --json")]
    Status,

    /// Unlock the vault for a while: later admin commands need no passphrase
    #[command(
        long_about = "Unlock the vault for a while: later admin commands need no passphrase.\n\n\
Unlocks the vault as any admin command does (identity file, passphrase file or variable, or a \
prompt), then leaves a small agentcred process holding the unlocked admin identity in memory (not \
dumpable, memory locked where allowed). Admin commands run after it, by the same user, on this \
vault, unlock through it without the KDF or a prompt, until --for has passed, nothing has asked \
for --idle, or `agentcred lock` ends it. Its socket is mode 0600, answers only the same user, and \
is out of reach of programs under `agentcred exec`. Explicit unlock inputs (--identity, \
AGENTCRED_PASSPHRASE_FILE, …) still win over the session.\n\n\
Examples:\n  agentcred unlock                 # prompts once, then 15 minutes without a prompt\n  \
agentcred unlock --for 1h --idle 10m\n  agentcred lock"
    )]
    Unlock(UnlockArgs),

    /// End the unlock session `agentcred unlock` started
    #[command(long_about = "End the unlock session `agentcred unlock` started.\n\n\
Later admin commands need a passphrase or an identity again. Nothing happens when no session \
runs.\n\nExamples:\n  agentcred lock")]
    Lock,

    /// The admin identity
    #[command(subcommand)]
    Identity(IdentityCommand),

    /// Extra age recipients the vault state is encrypted to (team members, CI)
    #[command(subcommand)]
    Recipients(RecipientsCommand),

    /// Register and manage agents
    #[command(subcommand)]
    Agent(AgentCommand),

    /// Store and manage upstream secrets (values never on the command line)
    #[command(subcommand)]
    Secret(SecretCommand),

    /// Grant an agent a secret with a scope; `grant list`, `grant revoke GRANT_ID`
    #[command(long_about = "Grant an agent a secret, with a scope.\n\n\
Default deny: an agent gets nothing it was not granted. Actions are verbs (read, write, …, or *); \
resources are names, or prefixes ending in * (* alone is every resource). A matching --deny grant \
always wins over any allow.\n\n\
--hosts, --methods and --paths narrow where the broker may send the secret's value for this agent: \
only within the hosts the secret is bound to (`secret set|edit --hosts`), never wider. An agent's \
grants of one secret all carry the same narrowing.\n\n\
Examples:\n  agentcred grant coder openai-key\n  agentcred grant etl db --actions read,write --resources 'orders*' --max-ttl 15m\n  \
agentcred grant etl db --deny --actions write --resources customers\n  \
agentcred grant coder openai-key --hosts api.openai.com --methods GET,POST --paths '/v1/*'")]
    Grant(GrantArgs),

    /// Issue, list and revoke agent keys (what a CI step holds instead of the master key)
    #[command(subcommand)]
    Key(KeyCommand),

    /// Mint a short-lived credential for an agent
    #[command(
        long_about = "Mint a short-lived credential for an agent.\n\n\
Run by the admin (--agent A) or with an agent key (--key-file, AGENTCRED_KEY_FILE, AGENTCRED_KEY). \
The TTL is clamped to the grants' max TTL, the agent's, the key's expiry and the vault's; the output \
says what was granted. Every mint is on the audit log before anything is printed.",
        after_long_help = "Examples:\n  agentcred mint --agent coder --secret openai-key --ttl 10m\n  \
eval \"$(agentcred mint --agent coder --format env)\"\n  \
AGENTCRED_KEY_FILE=ci-deploy.key agentcred mint --format token --actions read --resources 'orders*'"
    )]
    Mint(MintArgs),

    /// Verify a credential token offline (exit 0 allowed, 3 denied, 65 malformed or forged)
    #[command(
        long_about = "Verify a credential token offline (exit 0 allowed, 3 denied, 65 malformed or forged).\n\n\
Checks the token's signatures against the vault's issuer keys, the revocation list, its expiry, \
that its credential lives no longer than the grants, the agent and the vault allow, and the \
requested action and resource. Needs only read access to the vault directory: on a read-only \
vault the verdict is the same and a warning says it was not recorded on the audit log.\n\n\
With --as AGENT the token must have been delegated to AGENT, and AGENT must prove it holds its \
own key now: the holder runs `agentcred present` with its key, which appends a proof signed by \
that key and timed to the second, and verify accepts the proof for 60 s either way of its clock. \
A copied token without a fresh proof is refused (3). For a proof no one can replay, the verifier \
hands the holder a random challenge and passes the same with --challenge.\n\n\
Examples:\n  agentcred verify \"$AGENTCRED_TOKEN\" --action read --resource customers\n  \
AGENTCRED_KEY_FILE=b.key agentcred present --token - < delegated.token | agentcred verify - --as b --action read\n  \
AGENTCRED_KEY_FILE=b.key agentcred present --token - --challenge \"$NONCE\" < t | agentcred verify - --as b --challenge \"$NONCE\""
    )]
    Verify(VerifyArgs),

    /// Present a token as its holder: append a fresh proof that you hold the holder's key
    #[command(
        long_about = "Present a token as its holder: prints the token with a proof of \
possession appended, signed with the holding agent's own key (opened with --key-file / \
AGENTCRED_KEY_FILE / AGENTCRED_KEY, or the admin unlock with --agent) and timed now. Give the \
output to the service that runs `agentcred verify --as AGENT`; it accepts the proof for 60 s. \
The proof narrows nothing and is not recorded on the audit log; a token that is not the agent's \
is still refused by verify.\n\n\
Examples:\n  AGENTCRED_KEY_FILE=b.key agentcred present --token - < delegated.token\n  \
agentcred present --agent b --token \"$TOKEN\" --challenge \"$NONCE\""
    )]
    Present(PresentArgs),

    /// List and revoke credentials
    #[command(subcommand)]
    Creds(CredsCommand),

    /// Run a program with an agent's short-lived credential in its environment
    #[command(
        long_about = "Run a program with an agent's short-lived credential in its environment, and nothing else of agentcred's.\n\n\
agentcred mints one credential, records exec.start on the audit log, then starts the program \
(directly, no shell) with each granted secret under its variable plus AGENTCRED_AGENT, \
AGENTCRED_CREDENTIAL_ID, AGENTCRED_EXPIRES_AT, AGENTCRED_TOKEN and AGENTCRED_SECRETS. Unlock \
inputs (AGENTCRED_PASSPHRASE*, AGENTCRED_IDENTITY, AGENTCRED_KEY*) never reach it. Signals are \
forwarded; at expiry the program is sent SIGTERM (then SIGKILL after 10 s) unless --on-expiry says \
otherwise; when it exits the credential is revoked.\n\n\
The program runs in a sandbox (its own user, mount and PID namespaces): the vault directory is an \
empty read-only directory there, the key, identity and passphrase files cannot be read, and it \
holds no capability. It dies with agentcred; if agentcred is killed, its credential is refused by \
verify and revoked by the next agentcred command on the vault. --no-sandbox turns the sandbox off \
(the audit entry says so); where the kernel refuses namespaces, exec says so and runs the program \
without, unless --sandbox required (or `[exec] sandbox = \"required\"` in config.toml).\n\n\
Exit status: the program's; 128+N if it died of signal N; 125 if agentcred failed or refused \
before starting it; 126 if it cannot be run; 127 if it is not found.\n\n\
Inside an exec, a nested exec derives a narrower credential from AGENTCRED_TOKEN: never wider, \
never longer-lived.\n\n\
A secret with delivery broker (`secret edit NAME --delivery broker`) never reaches the program: \
its variable holds a placeholder, and the run's broker (--broker, implied) puts the value only \
into requests to the secret's bound hosts. --egress bound refuses connections to other hosts; \
--upstream-ca adds a root for upstreams with a private CA.\n\n\
Examples:\n  agentcred exec --agent coder -- claude\n  AGENTCRED_KEY_FILE=ci.key agentcred exec --ttl 10m -- ./deploy.sh --prod\n  \
agentcred exec --agent coder --broker --egress bound --upstream-ca ./internal-ca.pem -- ./agent"
    )]
    Exec(ExecArgs),

    /// Run a broker on its own, for a program started elsewhere (a container, an IDE)
    #[command(
        long_about = "Mint a credential and run its broker until the credential expires or is \
revoked, or agentcred gets SIGTERM or SIGINT, for a program that `exec` does not start. It prints \
the environment to give that program: brokered secrets as placeholders, the proxy \
(HTTPS_PROXY, HTTP_PROXY, with a per-run proxy credential) and the CA bundle variables \
(SSL_CERT_FILE, REQUESTS_CA_BUNDLE, CURL_CA_BUNDLE, NODE_EXTRA_CA_CERTS, GIT_SSL_CAINFO, \
AWS_CA_BUNDLE). Every request through it is checked and audited as under `exec --broker`.\n\n\
The proxy listens on loopback only and answers only this user's connections: a program in a \
container reaches it through the host network.\n\n\
Output: shell `export` lines; `--json` one JSON object; `--env-file FILE` a dotenv file (0600) \
and nothing on stdout.\n\n\
Examples:\n  eval \"$(agentcred broker --agent coder --ttl 1h &)\"  # see the README for a wrapper\n  \
agentcred broker --agent coder --ttl 8h --env-file ~/.config/agent.env\n  \
agentcred broker --agent coder --listen 127.0.0.1:8899 --json"
    )]
    Broker(BrokerArgs),

    /// An MCP server over stdio: HTTP requests with brokered secrets, for agent harnesses
    #[command(
        long_about = "A Model Context Protocol server on stdin and stdout (JSON-RPC 2.0, one \
message a line), for agent harnesses that call tools. It mints a credential for the agent, starts \
its broker, and offers two tools:\n\n\
http_request (method, url, headers, body): `{{secret:NAME}}` in the URL or a header value stands \
for secret NAME; the request goes through the broker, which puts the value in only where the \
secret is bound (its --hosts, narrowed by the grant), checks the credential, the grant's methods \
and paths and the agent's rate limit, and records it on the audit log. The tool answers with the \
status, headers and body, any value masked; a refusal is a tool error naming the reason. Bodies \
are sent as they are: they are never searched for templates.\n\n\
list_credentials: the credential's secrets (names, variables, hosts, delivery), scope and expiry; \
never a value.\n\n\
The credential lives --ttl (default: the agent's max TTL, else 15m) and is renewed while the \
client stays connected, within the agent's limits; with --once it is not, and every call after \
expiry is refused. A revoked credential is never renewed. At the end (stdin closed, SIGTERM) the \
broker stops and the credential is ended and revoked, as at the end of an exec. Nothing but \
protocol messages is written to stdout; notes go to stderr, never with a value.\n\n\
Examples:\n  AGENTCRED_KEY_FILE=~/.config/agentcred/coder.key agentcred mcp\n  \
agentcred mcp --agent coder --ttl 1h --egress bound\n  \
agentcred mcp --agent coder --once --ttl 10m --upstream-ca ./internal-ca.pem"
    )]
    Mcp(McpArgs),

    /// Hand another agent a narrower part of an agent's rights, as a signed token
    #[command(
        long_about = "Delegate to another agent a part of what an agent holds, as a token: \
a new Biscuit block signed with the delegating agent's own key that names from, to, task, the \
actions and resources delegated, and an expiry. Scope and expiry can only narrow: asking for more \
than the parent token allows is refused, and a chain A → B → C can only narrow further.\n\n\
The delegating agent is the admin's --agent A, or the agent of the key in use (--key-file, \
AGENTCRED_KEY_FILE). By default a fresh credential of that agent is minted and delegated from; \
--token (or AGENTCRED_TOKEN) delegates from an existing one instead, e.g. one delegated to it.\n\n\
The receiving agent uses it with `agentcred exec --on-behalf-of TOKEN`, and gets only the \
intersection of what was delegated and what it was granted itself. Services check the whole chain \
offline with `agentcred verify TOKEN --as B`.\n\n\
Examples:\n  agentcred delegate --agent planner --to coder --actions read --resources customers --ttl 5m --task triage\n  \
AGENTCRED_KEY_FILE=coder.key agentcred delegate --token - --to reviewer --ttl 1m < delegated.token"
    )]
    Delegate(DelegateArgs),

    /// What is due for rotation (`rotate --due`), and rotating it (`--apply`)
    #[command(
        long_about = "List secrets and keys due for rotation: past their max age (90 days \
unless `secret set --max-age` says otherwise), agent keys unused for 45 days, agents with more than \
one active key outside a rotation overlap. Rotation windows that have ended are closed on the way \
(old versions destroyed).\n\n\
With --apply, secrets agentcred generated get a new generated value (with --overlap); keys need \
their holder, so they are listed with the `key rotate` command to run.",
        after_long_help = "Examples:\n  agentcred rotate --due\n  agentcred rotate --due --apply --overlap 30m"
    )]
    Rotate(RotateArgs),

    /// Query, verify and watch the tamper-evident audit log
    #[command(
        long_about = "Query, verify and watch the tamper-evident audit log (audit.jsonl).\n\n\
Every entry carries its seq, the previous entry's hash and its own; every admin change signs a \
checkpoint of the log's size and head into the encrypted state. `audit verify` recomputes the chain, \
checks the checkpoints and names the first bad entry. No secret value ever enters the log: sensitive \
fields are HMACs (`audit hash` computes one so a known value can be searched for).\n\n\
Without a subcommand, `audit` is `audit list`.\n\n\
Examples:\n  agentcred audit --agent coder --since 1h\n  agentcred audit --action cred.mint --result denied --json\n  \
agentcred audit verify\n  agentcred audit checkpoint > anchor.json   # keep it somewhere else\n  \
agentcred audit tail -f",
        args_conflicts_with_subcommands = true
    )]
    Audit(AuditArgs),

    /// Write the vault's policy (agents, limits, secrets' metadata, grants) as a TOML file
    #[command(
        name = "export-policy",
        long_about = "Write the vault's policy as a TOML file: its agents and their limits, its \
secrets' metadata (never values) and its grants, in a stable order with comments, so that it can \
live in version control and be changed by review. `agentcred plan` on the exported file reports \
no changes.\n\n\
Examples:\n  agentcred export-policy --out policy.toml\n  agentcred export-policy > policy.toml"
    )]
    ExportPolicy {
        #[command(flatten)]
        file: OutArgs,
    },

    /// Show what applying a policy file would change (exit 0 none, 2 changes, 65 invalid file)
    #[command(
        long_about = "Compare a policy file with the vault and show what applying it \
would change: `+` add, `-` remove, `~` change with old → new, in a stable order. Exit status 0 \
when there is nothing to change, 2 when there is (as `terraform plan -detailed-exitcode`), 65 \
when the file is invalid (with its line and column). Secrets the file names that the vault does \
not hold are listed with the `secret set` command that stores them: a plan cannot create values.\n\n\
--out writes the plan to a file for `agentcred apply PLAN`, which applies exactly it, and refuses \
(exit 3) if the vault changed since.\n\n\
Examples:\n  agentcred plan policy.toml\n  agentcred plan policy.toml --json\n  \
agentcred plan policy.toml --out policy.plan && agentcred apply policy.plan"
    )]
    Plan(PlanArgs),

    /// Make the vault's policy that of a file (or of a saved plan), in one commit
    #[command(
        long_about = "Make the vault's agents, limits, secrets' metadata and grants those \
of a policy file, or apply a plan saved by `agentcred plan --out`, as one commit: all of it or \
nothing. Every change gets an audit entry, and a last `policy.apply` entry records the file's \
SHA-256. Removing an agent or a grant revokes what was issued under it, as `agent remove` and \
`grant revoke` do.\n\n\
The plan is shown and confirmed on the terminal (type y and Enter), or taken with --yes. If the \
vault changed after the plan was shown or saved, nothing is applied (exit 3): plan again. \
Secrets the file names must be stored first (`agentcred secret set NAME`, exit 66 otherwise).\n\n\
Examples:\n  agentcred apply policy.toml\n  agentcred apply policy.toml --yes\n  \
agentcred apply policy.plan --yes"
    )]
    Apply(ApplyArgs),

    /// The policy file's JSON Schema, and checking a file without a vault
    #[command(subcommand)]
    Policy(PolicyCommand),

    /// git's credential helper: each request answered with a freshly minted, audited credential
    #[command(
        long_about = "git's credential helper: each time git needs a password, agentcred mints a \
credential for the agent (on the audit log, like `mint`) and answers with the secret as the \
password.\n\n\
Which secret: with --secret S, S for every host git asks about (so scope the helper to a URL in \
git's config); otherwise the granted secret bound to the host git asks about (`secret set \
--hosts`, narrowed by the grant; one whose binding also names the path git sends, with \
credential.useHttpPath, is preferred). Where no secret is bound to it, a secret bound nowhere \
and named after the host serves it, its port dropped (`github.com` for \
https://github.com:443/...), or with a path a secret named HOST_OWNER (the path's first segment, \
e.g. `github.com_acme`). A brokered secret is never handed out. Nothing is sent over plain http except to a loopback \
host. The user name is --username, else the one git sends, else x-access-token (what GitHub \
takes with a token; GitLab, Gitea and Azure DevOps take any name; Bitbucket's access tokens \
want --username x-token-auth). The answer carries \
password_expiry_utc, the credential's expiry.\n\n\
When no granted secret matches, it prints nothing and exits 0, so git tries its next helper or \
prompts. `store` and `erase` succeed and change nothing; other operations are ignored.",
        after_long_help = "Examples:\n  git config --global credential.https://github.com.helper \
'!agentcred git-credential --agent ci'\n  \
AGENTCRED_KEY_FILE=ci.key git -c credential.helper='!agentcred git-credential' clone https://github.com/acme/app\n  \
git config credential.https://git.example.com.helper '!agentcred git-credential --secret deploy-token --username deploy'"
    )]
    GitCredential(GitCredentialArgs),

    /// AWS credential_process: a key pair from a secret, with the credential's expiry
    #[command(
        long_about = "AWS `credential_process`: prints the JSON the AWS SDKs and CLI read \
(Version 1, AccessKeyId, SecretAccessKey, SessionToken when there is one, and Expiration, the \
minted credential's expiry, so the SDK asks again before it ends). Each call mints a credential \
for the agent, on the audit log like `mint`.\n\n\
The secret holds the pair as JSON: {\"AccessKeyId\": \"AKIA…\", \"SecretAccessKey\": \"…\", \
\"SessionToken\": \"…\"} (SessionToken optional; the credentials-file names aws_access_key_id, \
aws_secret_access_key and aws_session_token are read too). Any other value is refused (exit 65) \
before anything is minted.\n\n\
The SDKs refresh a credential 15 minutes before its Expiration (botocore; 5 to 10 in others): \
with a TTL under that, every API call mints a new credential. Give --ttl 1h (within the grants' \
max TTL) for one call an hour.",
        after_long_help = "Examples:\n  \
AGENTCRED_KEY_FILE=ci.key agentcred aws-credential-process --secret aws-deploy --ttl 1h\n\n  \
# ~/.aws/config\n  [profile ci]\n  \
credential_process = agentcred aws-credential-process --agent ci --secret aws-deploy --ttl 1h\n\n  \
AGENTCRED_KEY_FILE=ci.key aws --profile ci sts get-caller-identity"
    )]
    AwsCredentialProcess(AwsCredentialArgs),

    /// docker's credential helper (also run as docker-credential-agentcred)
    #[command(
        long_about = "docker's credential helper, speaking the docker-credential-helpers \
protocol: `get` reads a registry's server URL on stdin and prints {\"ServerURL\", \"Username\", \
\"Secret\"}, minting a credential for the agent (on the audit log, like `mint`). The secret is \
the granted one bound to the registry's host (`secret set --hosts`), else one bound nowhere and \
named after the host, its port dropped (`ghcr.io`, `registry.example.com`); for any other registry it prints `credentials not found in native \
keychain` and exits 1, which docker reads as \"no credentials\". `store` and `erase` succeed and \
change nothing; `list` prints the registries served. Errors go to stdout, where docker reads \
them.\n\n\
docker runs helpers as `docker-credential-NAME ACTION` with no other arguments: link the \
binary as docker-credential-agentcred on PATH, and choose the agent with the agent key \
(AGENTCRED_KEY_FILE), AGENTCRED_AGENT, or `[helpers] agent = \"NAME\"` in the vault's \
config.toml. The user name is AGENTCRED_DOCKER_USERNAME, else x-access-token.",
        after_long_help = "Examples:\n  ln -s \"$(command -v agentcred)\" ~/.local/bin/docker-credential-agentcred\n  \
# ~/.docker/config.json\n  { \"credHelpers\": { \"ghcr.io\": \"agentcred\" } }\n\n  \
echo ghcr.io | AGENTCRED_KEY_FILE=ci.key docker-credential-agentcred get"
    )]
    DockerCredential(DockerCredentialArgs),

    /// kubectl's exec credential plugin: a bearer token as an ExecCredential
    #[command(
        long_about = "A client-go exec credential plugin (kubectl and every client-go program): \
prints an ExecCredential whose status.token is the secret and status.expirationTimestamp the \
minted credential's expiry, so the client asks again when it ends. Each call mints a credential \
for the agent, on the audit log like `mint`. The apiVersion is the one the client asks for in \
KUBERNETES_EXEC_INFO (client.authentication.k8s.io/v1 or v1beta1), v1 without it.",
        after_long_help = "Examples:\n  \
AGENTCRED_KEY_FILE=ci.key agentcred kube-credential --secret kube-token --ttl 10m\n\n  \
# in the kubeconfig's users:\n  \
- name: ci\n    user:\n      exec:\n        apiVersion: client.authentication.k8s.io/v1\n        \
command: agentcred\n        args: [kube-credential, --agent, ci, --secret, kube-token]\n        \
interactiveMode: Never\n\n  \
AGENTCRED_KEY_FILE=ci.key kubectl get pods"
    )]
    KubeCredential(KubeCredentialArgs),

    /// A walk-through of everything, in a throwaway vault that is removed afterwards
    #[command(after_long_help = "Examples:\n  agentcred demo")]
    Demo,

    /// Print a shell completion script
    #[command(
        after_long_help = "Examples:\n  agentcred completions bash > ~/.local/share/bash-completion/completions/agentcred\n  agentcred completions zsh > ~/.zfunc/_agentcred\n  agentcred completions fish > ~/.config/fish/completions/agentcred.fish"
    )]
    Completions {
        /// The shell to complete for
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },

    /// What the completion scripts ask for: names from the public roster, one a line
    #[command(name = "__complete", hide = true)]
    Complete {
        #[arg(value_enum)]
        what: CompleteWhat,
    },
}

/// `__complete`: what a completion script asks to be listed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum CompleteWhat {
    /// The agent names
    Agents,
    /// The secret names
    Secrets,
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// Also encrypt the vault to this age recipient (repeatable)
    #[arg(long = "recipient", value_name = "AGE_RECIPIENT")]
    pub recipients: Vec<String>,

    /// Use a generated age identity instead of a passphrase (needs --identity-out)
    #[arg(long, requires = "identity_out")]
    pub no_passphrase: bool,

    /// Where to write the generated identity (created 0600; must not exist)
    #[arg(long, value_name = "FILE", requires = "no_passphrase")]
    pub identity_out: Option<PathBuf>,

    /// Argon2id memory in KiB [default: 65536]
    #[arg(long, value_name = "N")]
    pub kdf_memory_kib: Option<u32>,

    /// Argon2id iterations [default: 3]
    #[arg(long, value_name = "N")]
    pub kdf_iterations: Option<u32>,

    /// Argon2id parallelism [default: 4]
    #[arg(long, value_name = "N")]
    pub kdf_parallelism: Option<u32>,
}

#[derive(Debug, Subcommand)]
pub enum IdentityCommand {
    /// Print the admin age identity (AGE-SECRET-KEY-1…), for recovery with stock age
    #[command(
        after_long_help = "Examples:\n  agentcred identity export --out admin.key\n  agentcred identity export > admin.key && chmod 600 admin.key"
    )]
    Export {
        #[command(flatten)]
        file: OutArgs,
    },
    /// Start signing tokens with a new issuer key; tokens of the old one verify until the overlap ends
    #[command(
        long_about = "Start signing tokens and vault documents with a new issuer key.\n\n\
Every agent gets a fresh authority signed by the new key at once. Tokens signed by the old key keep \
verifying until the end of --overlap, then are refused; set it to at least the longest credential TTL \
in use so that nothing running breaks. Tokens carry the id of the key that signed them."
    )]
    #[command(after_long_help = "Examples:\n  agentcred identity rotate-issuer --overlap 2h")]
    RotateIssuer {
        /// How long tokens signed by the old key keep verifying
        #[arg(long, value_name = "DURATION", default_value = "1h", value_parser = duration::arg)]
        overlap: chrono::Duration,
    },
}

#[derive(Debug, Subcommand)]
pub enum RecipientsCommand {
    /// List the recipients
    #[command(after_long_help = "Examples:\n  agentcred recipients list")]
    List,
    /// Add a recipient and re-encrypt the vault to it
    #[command(
        after_long_help = "Examples:\n  agentcred recipients add \"$(age-keygen -y ci.key)\""
    )]
    Add {
        /// An age recipient (age1…)
        recipient: String,
    },
    /// Remove a recipient and re-encrypt the vault without it
    #[command(
        after_long_help = "Examples:\n  agentcred recipients remove \"$(age-keygen -y ci.key)\" --yes"
    )]
    Remove {
        /// An age recipient (age1…)
        recipient: String,
        /// Do not ask for confirmation
        #[arg(long, short)]
        yes: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum AgentCommand {
    /// Register one or more agents (one write for all)
    #[command(
        after_long_help = "Examples:\n  agentcred agent add coder --description \"Claude Code in this repository\" --max-ttl 1h\n  agentcred agent add etl reporter --rate-limit 60/m --suspend-on-anomaly"
    )]
    Add(AgentAddArgs),
    /// List agents
    #[command(after_long_help = "Examples:\n  agentcred agent list\n  agentcred agent list --json")]
    List,
    /// Show one agent
    #[command(after_long_help = "Examples:\n  agentcred agent show coder")]
    Show {
        /// The agent's name
        name: String,
    },
    /// Suspend an agent: it can mint nothing until resumed
    #[command(after_long_help = "Examples:\n  agentcred agent suspend coder")]
    Suspend {
        /// The agent's name
        name: String,
    },
    /// Resume a suspended agent
    #[command(after_long_help = "Examples:\n  agentcred agent resume coder")]
    Resume {
        /// The agent's name
        name: String,
    },
    /// Remove an agent and everything granted to it
    #[command(after_long_help = "Examples:\n  agentcred agent remove coder --yes")]
    Remove {
        /// The agent's name
        name: String,
        /// Do not ask for confirmation
        #[arg(long, short)]
        yes: bool,
    },
}

#[derive(Debug, Args)]
pub struct AgentAddArgs {
    /// Agent names: 1-63 chars of a-z 0-9 . _ -, starting with a letter or digit
    #[arg(required = true, value_name = "NAME")]
    pub names: Vec<String>,
    /// What the agent is for
    #[arg(long, value_name = "TEXT")]
    pub description: Option<String>,
    /// Longest credential this agent may hold, e.g. 1h
    #[arg(long, value_name = "DURATION", value_parser = duration::arg)]
    pub max_ttl: Option<chrono::Duration>,
    /// Hard limit on mints and execs, e.g. 60/m
    #[arg(long, value_name = "N/UNIT", value_parser = RateLimit::arg)]
    pub rate_limit: Option<RateLimit>,
    /// Suspend the agent automatically when an anomaly is detected
    #[arg(long)]
    pub suspend_on_anomaly: bool,
}

#[derive(Debug, Subcommand)]
pub enum SecretCommand {
    /// Store a secret, or a new version of it (value from a prompt, stdin, a file, or generated)
    #[command(
        after_long_help = "Examples:\n  agentcred secret set openai-key          # asks for the value\n  printf %s \"$DB_PASSWORD\" | agentcred secret set db --stdin --env DATABASE_PASSWORD\n  agentcred secret set session-key --generate --length 64\n  agentcred secret set openai-key --hosts api.openai.com --delivery broker --placeholder-prefix sk-"
    )]
    Set(SecretSetArgs),
    /// Add a secret whose value OpenBao provides: a token or a lease per credential, or a KV field
    #[command(
        long_about = "Add a secret whose value agentcred does not keep but asks OpenBao for, at every \
mint and exec. OpenBao is configured in config.toml's [openbao] (address, ca_file, namespace, and \
token_file or role_id + secret_id_file).\n\n\
--openbao-token: every credential gets a new OpenBao token with the given policies, the \
credential's TTL, and the agent and credential id in its metadata; it is revoked when the \
credential ends (the program exits, `creds revoke`, a key or grant revocation, expiry).\n\n\
--openbao-lease PATH: every credential reads a fresh lease from PATH (a database role, say) and \
injects the fields --map names; the lease is revoked when the credential ends and renewed while \
an `exec` program runs, never past the credential.\n\n\
--openbao-kv MOUNT/PATH#FIELD: the field of a KV version 2 secret, read at each mint (kept in \
the process for --cache); `secret rotate` writes the next version with check-and-set.\n\n\
If OpenBao is down, sealed or refuses, the mint fails (exit 1, naming the address), nothing is \
injected, and the failure is on the audit log.",
        after_long_help = "Examples:\n  agentcred secret add bao-token --openbao-token --policy ci-read --env BAO_TOKEN\n  \
agentcred secret add db --openbao-lease database/creds/readonly --map username=DB_USER --map password=DB_PASS\n  \
agentcred secret add openai-key --openbao-kv secret/team/openai#api_key --cache 30s --hosts api.openai.com --delivery broker"
    )]
    Add(SecretAddArgs),
    /// Change a secret's metadata: variable, max age, bound hosts, delivery (never the value)
    #[command(
        long_about = "Change a secret's metadata without touching its value: the variable it is \
injected as, its max age, the hosts its value may be sent to, and how programs get it.\n\n\
With --delivery broker the value never reaches a program: `exec` gives it a placeholder and \
the broker puts the value only into requests to the bound hosts; `mint` refuses to print it. \
A change of hosts or delivery revokes the outstanding credentials of the agents granted the \
secret, so that none runs on under the old rule.\n\n\
Examples:\n  agentcred secret edit openai-key --hosts api.openai.com --delivery broker\n  \
agentcred secret edit gh-token --hosts 'api.github.com,*.githubusercontent.com' --placeholder-prefix ghp_\n  \
agentcred secret edit db --env DATABASE_URL --max-age 30d"
    )]
    Edit(SecretEditArgs),
    /// List secrets (metadata only)
    #[command(
        after_long_help = "Examples:\n  agentcred secret list\n  agentcred secret list --json"
    )]
    List,
    /// Show a secret's metadata and versions (never the value)
    #[command(after_long_help = "Examples:\n  agentcred secret show db")]
    Show {
        /// The secret's name
        name: String,
    },
    /// Remove a secret and destroy all its versions
    #[command(after_long_help = "Examples:\n  agentcred secret remove db --yes")]
    Remove {
        /// The secret's name
        name: String,
        /// Do not ask for confirmation
        #[arg(long, short)]
        yes: bool,
    },
    /// Rotate a secret with an overlap window, or stage and finish a rotation
    #[command(long_about = "Rotate a secret to a new value.\n\n\
The new version becomes CURRENT and is what agents get from now on. The old one stays PREVIOUS \
until the end of --overlap: credentials minted before keep working, and `mint --secret-version previous` \
serves it. Then it is retired and its value destroyed. Never more than two versions are valid.\n\n\
With --stage the new value is stored as PENDING and not served, so it can be set up upstream first; \
--finish promotes it (with --overlap for the old one), --cancel drops it. One rotation per secret \
at a time.\n\n\
Examples:\n  agentcred secret rotate db --generate --overlap 10m\n  \
vault-cli new-password | agentcred secret rotate db --stage --stdin\n  agentcred secret rotate db --finish --overlap 1h")]
    Rotate(SecretRotateArgs),
}

#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("source").args(["stdin", "file", "generate"]))]
#[command(group = clap::ArgGroup::new("step").args(["stage", "finish", "cancel"]))]
pub struct SecretRotateArgs {
    /// The secret's name
    pub name: String,
    #[command(flatten)]
    pub value: ValueArgs,
    /// How long the old version stays valid after the new one takes over
    #[arg(long, value_name = "DURATION", default_value = "10m", value_parser = duration::arg)]
    pub overlap: chrono::Duration,
    /// Store the new value as PENDING, not served until --finish
    #[arg(long)]
    pub stage: bool,
    /// Promote the PENDING version to CURRENT
    #[arg(long, conflicts_with = "source")]
    pub finish: bool,
    /// Drop the PENDING version
    #[arg(long, conflicts_with_all = ["source", "overlap"])]
    pub cancel: bool,
}

#[derive(Debug, Args)]
pub struct RotateArgs {
    /// List what is due: secrets and keys past their max age, keys unused for 45 days, agents
    /// with more than one active key outside an overlap
    #[arg(long, required = true)]
    pub due: bool,
    /// Rotate what agentcred can: secrets it generated get a new generated value
    #[arg(long, requires = "due")]
    pub apply: bool,
    /// The overlap window for what --apply rotates
    #[arg(long, value_name = "DURATION", default_value = "10m", value_parser = duration::arg)]
    pub overlap: chrono::Duration,
}

/// Where a secret's value comes from: never a flag's value.
/// (Flattened into commands that declare the `source` group over stdin, file and generate.)
#[derive(Debug, Args)]
#[group(skip)]
pub struct ValueArgs {
    /// Read the value from standard input (one trailing newline is dropped)
    #[arg(long)]
    pub stdin: bool,
    /// Read the value from a file (one trailing newline is dropped)
    #[arg(long, value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// Generate a random value of [A-Za-z0-9]
    #[arg(long)]
    pub generate: bool,
    /// Length of a generated value
    #[arg(long, value_name = "N", default_value_t = 32, requires = "generate",
          value_parser = clap::value_parser!(u16).range(8..=4096))]
    pub length: u16,
    /// Refuse a value larger than this, read from a file, stdin or the prompt (bytes, or with
    /// K/KiB, M/MiB, G/GiB)
    #[arg(long, value_name = "SIZE", default_value = "1MiB", value_parser = crate::secret::parse_size)]
    pub max_size: u64,
}

#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("source").args(["stdin", "file", "generate"]))]
pub struct SecretSetArgs {
    /// Secret name: A-Z a-z 0-9 . _ -, starting with a letter or digit
    pub name: String,
    #[command(flatten)]
    pub value: ValueArgs,
    /// Environment variable the value is injected as [default: the name, upper-cased]
    #[arg(long, value_name = "VAR")]
    pub env: Option<String>,
    /// Flag the secret for rotation after this long [default: 90d]
    #[arg(long, value_name = "DURATION", value_parser = duration::arg)]
    pub max_age: Option<chrono::Duration>,
    /// Only write if the current version is N (0: only if the secret does not exist yet);
    /// otherwise refused with exit 3, changing nothing but recording the denial
    #[arg(long, value_name = "N")]
    pub cas: Option<u32>,
    #[command(flatten)]
    pub destination: DestinationArgs,
}

#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("openbao").required(true).args(["openbao_token", "openbao_lease", "openbao_kv"]))]
pub struct SecretAddArgs {
    /// Secret name: A-Z a-z 0-9 . _ -, starting with a letter or digit
    pub name: String,
    /// A new OpenBao token for every credential
    #[arg(long)]
    pub openbao_token: bool,
    /// A policy of the tokens created (repeat for more; at least one)
    #[arg(long = "policy", value_name = "POLICY", requires = "openbao_token")]
    pub policies: Vec<String>,
    /// How many requests each token may make (default: no limit)
    #[arg(long, value_name = "N", requires = "openbao_token")]
    pub num_uses: Option<u32>,
    /// A fresh lease from this OpenBao path for every credential (e.g. database/creds/readonly)
    #[arg(long, value_name = "PATH")]
    pub openbao_lease: Option<String>,
    /// A lease field and the variable it is injected as (repeat; at least one)
    #[arg(
        long = "map",
        value_name = "FIELD=VAR",
        value_delimiter = ',',
        requires = "openbao_lease"
    )]
    pub map: Vec<String>,
    /// A field of a KV version 2 secret, MOUNT/PATH#FIELD (e.g. secret/team/openai#api_key)
    #[arg(long, value_name = "MOUNT/PATH#FIELD")]
    pub openbao_kv: Option<String>,
    /// How long a process may reuse a KV value it read [default: 0s, read at every mint]
    #[arg(long, value_name = "DURATION", value_parser = duration::arg, requires = "openbao_kv")]
    pub cache: Option<chrono::Duration>,
    /// Environment variable the value is injected as [default: the name, upper-cased]
    #[arg(long, value_name = "VAR", conflicts_with = "openbao_lease")]
    pub env: Option<String>,
    /// Flag the secret for rotation after this long (a KV secret) [default: 90d]
    #[arg(long, value_name = "DURATION", value_parser = duration::arg)]
    pub max_age: Option<chrono::Duration>,
    #[command(flatten)]
    pub destination: DestinationArgs,
}

/// `secret set|edit NAME --hosts … --delivery … --placeholder-prefix …`.
#[derive(Debug, Args)]
pub struct DestinationArgs {
    /// The only hosts the value may be sent to: names, *.domain (every name below it), addresses,
    /// each with an optional :port, comma separated; replaces the secret's list
    #[arg(long, value_delimiter = ',', value_name = "HOSTS")]
    pub hosts: Vec<String>,
    /// How programs get the value: `env` in their environment, or `broker`, which gives them a
    /// placeholder and puts the value only into requests to the bound hosts (needs --hosts)
    #[arg(long, value_enum, value_name = "DELIVERY")]
    pub delivery: Option<Delivery>,
    /// Text the placeholder starts with, so that clients checking the format accept it (e.g.
    /// sk-); at most 16 of A-Z a-z 0-9 _ -, not secret
    #[arg(long, value_name = "PREFIX")]
    pub placeholder_prefix: Option<String>,
}

/// `--delivery`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Delivery {
    /// In the program's environment, under the secret's variable
    Env,
    /// Never to the program: a placeholder in its environment, the value only through the broker
    Broker,
}

#[derive(Debug, Args)]
pub struct SecretEditArgs {
    /// The secret's name
    pub name: String,
    /// Environment variable the value is injected as
    #[arg(long, value_name = "VAR")]
    pub env: Option<String>,
    /// Flag the secret for rotation after this long
    #[arg(long, value_name = "DURATION", value_parser = duration::arg)]
    pub max_age: Option<chrono::Duration>,
    #[command(flatten)]
    pub destination: DestinationArgs,
}

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct GrantArgs {
    #[command(subcommand)]
    pub command: Option<GrantCommand>,
    /// The agent to grant to
    #[arg(required = true)]
    pub agent: Option<String>,
    /// The secret to grant
    #[arg(required = true)]
    pub secret: Option<String>,
    /// Allowed (or, with --deny, denied) actions, comma separated [default: read]
    #[arg(long, alias = "action", value_delimiter = ',', value_name = "ACTIONS")]
    pub actions: Vec<String>,
    /// Resources: names, or prefixes ending in * [default: *]
    #[arg(
        long,
        alias = "resource",
        value_delimiter = ',',
        value_name = "RESOURCES"
    )]
    pub resources: Vec<String>,
    /// Make this an explicit deny, which beats every allow
    #[arg(long)]
    pub deny: bool,
    /// Longest credential this grant allows, e.g. 15m
    #[arg(long, value_name = "DURATION", value_parser = duration::arg)]
    pub max_ttl: Option<chrono::Duration>,
    /// Inject the secret under this variable for this agent [default: the secret's]
    #[arg(long, value_name = "VAR")]
    pub env: Option<String>,
    /// Narrow where the value may be sent to these hosts (name, *.domain, optional :port),
    /// comma separated; each must lie within the secret's --hosts [default: the secret's]
    #[arg(long, value_delimiter = ',', value_name = "HOSTS")]
    pub hosts: Vec<String>,
    /// Allow only these HTTP methods with the value, comma separated [default: any]
    #[arg(long, value_delimiter = ',', value_name = "METHODS")]
    pub methods: Vec<String>,
    /// Allow only these paths with the value: exact, * for one segment, a final /* for the
    /// subtree (/v1/*), comma separated [default: any]
    #[arg(long, value_delimiter = ',', value_name = "PATHS")]
    pub paths: Vec<String>,
}

#[derive(Debug, Subcommand)]
pub enum GrantCommand {
    /// List grants
    #[command(
        after_long_help = "Examples:\n  agentcred grant list\n  agentcred grant list --agent coder --json"
    )]
    List {
        /// Only this agent's grants
        #[arg(long, value_name = "AGENT")]
        agent: Option<String>,
    },
    /// Revoke a grant (credentials minted under it are revoked too)
    #[command(
        after_long_help = "Examples:\n  agentcred grant revoke g_1b2997cd98      # an id from `grant list`"
    )]
    Revoke {
        /// The grant id, from `grant list`
        grant_id: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum KeyCommand {
    /// Issue a key for an agent; it is printed once (or written to --out, 0600)
    #[command(
        after_long_help = "Examples:\n  agentcred key issue ci-deploy --expires 90d --out ci-deploy.key"
    )]
    Issue {
        /// The agent the key is for
        agent: String,
        /// How long the key works
        #[arg(long, value_name = "DURATION", default_value = "30d", value_parser = duration::arg)]
        expires: chrono::Duration,
        #[command(flatten)]
        file: OutArgs,
    },
    /// List keys (public data only)
    #[command(
        after_long_help = "Examples:\n  agentcred key list\n  agentcred key list ci-deploy --json"
    )]
    List {
        /// Only this agent's keys [default: every agent's]
        agent: Option<String>,
    },
    /// Revoke a key now; credentials it minted are revoked too
    #[command(
        after_long_help = "Examples:\n  agentcred key revoke k_e5b9868d50cb      # an id from `key list`"
    )]
    Revoke {
        /// The key id, from `key list`
        key_id: String,
    },
    /// Issue a new key for an agent; its current keys keep working until the overlap ends
    #[command(
        long_about = "Issue a new key for an agent and retire its current keys at the end of \
--overlap: both work during the window, so the CI secret can be swapped without a failed run; after \
it the old keys are refused.\n\n\
Examples:\n  agentcred key rotate ci-deploy --overlap 1h --out ci-deploy.key"
    )]
    Rotate {
        /// The agent whose key is rotated
        agent: String,
        /// How long the current keys keep working
        #[arg(long, value_name = "DURATION", default_value = "1h", value_parser = duration::arg)]
        overlap: chrono::Duration,
        /// How long the new key works
        #[arg(long, value_name = "DURATION", default_value = "30d", value_parser = duration::arg)]
        expires: chrono::Duration,
        #[command(flatten)]
        file: OutArgs,
    },
}

#[derive(Debug, Args)]
pub struct PlanArgs {
    /// The policy file (TOML)
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// Also save the plan to this new file (0600), for `agentcred apply PLAN`
    #[arg(long, value_name = "PLAN")]
    pub out: Option<PathBuf>,
    /// With --out: replace the file if it exists
    #[arg(long, requires = "out")]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct ApplyArgs {
    /// The policy file (TOML), or a plan saved by `agentcred plan --out`
    #[arg(value_name = "FILE|PLAN")]
    pub file: PathBuf,
    /// Do not ask for confirmation
    #[arg(long, short)]
    pub yes: bool,
}

#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// Print the JSON Schema of the policy file, for editors
    #[command(
        after_long_help = "Examples:\n  agentcred policy schema > policy.schema.json\n  \
# in policy.toml, for editors with a TOML language server:\n  #:schema ./policy.schema.json"
    )]
    Schema,
    /// Check a policy file without a vault (exit 0 valid, 65 invalid, with line and column)
    #[command(after_long_help = "Examples:\n  agentcred policy check policy.toml")]
    Check {
        /// The policy file (TOML)
        #[arg(value_name = "FILE")]
        file: PathBuf,
    },
}

/// `--out FILE [--force]`: a new file for what would be printed (a credential, the admin
/// identity, an agent key), instead of stdout.
#[derive(Debug, Args)]
pub struct OutArgs {
    /// Write it to this new file (0600) instead of printing it
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// With --out: replace the file if it exists
    #[arg(long, requires = "out")]
    pub force: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum MintFormat {
    /// A JSON document with the credential, the values and the token
    Json,
    /// `export NAME='value'` lines for a POSIX shell
    Env,
    /// `NAME="value"` lines for a .env file
    Dotenv,
    /// The token alone
    Token,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum VersionChoice {
    Current,
    Previous,
}

/// What a credential is for: shared by `mint` and `exec`.
#[derive(Debug, Args)]
pub struct ScopeArgs {
    /// The agent (required for the admin; with an agent key, defaults to the key's agent)
    #[arg(long, value_name = "AGENT")]
    pub agent: Option<String>,
    /// Only these secrets (repeatable) [default: every granted secret]
    #[arg(long = "secret", value_name = "SECRET")]
    pub secrets: Vec<String>,
    /// Credential lifetime, e.g. 10m [default: 15m; nested exec: the parent's remaining time]
    #[arg(long, value_name = "DURATION", value_parser = duration::arg)]
    pub ttl: Option<chrono::Duration>,
    /// Narrow the credential to these actions, comma separated
    #[arg(long, alias = "action", value_delimiter = ',', value_name = "ACTIONS")]
    pub actions: Vec<String>,
    /// Narrow the credential to these resources, comma separated
    #[arg(
        long,
        alias = "resource",
        value_delimiter = ',',
        value_name = "RESOURCES"
    )]
    pub resources: Vec<String>,
}

impl ScopeArgs {
    /// The request these flags make, checked (`previous`: `--secret-version previous`).
    pub fn request(&self, previous: bool) -> crate::Result<crate::credential::Request> {
        crate::credential::Request::from_flags(
            &self.secrets,
            self.ttl,
            &self.actions,
            &self.resources,
            previous,
        )
    }
}

#[derive(Debug, Args)]
pub struct MintArgs {
    #[command(flatten)]
    pub scope: ScopeArgs,
    /// Which version of the secrets to serve
    ///
    /// `previous` serves the version a rotation replaced, while its --overlap window lasts:
    /// without --secret, that of each secret in such a window and the current version of the
    /// others (refused if no secret is in one); a secret named with --secret must have one.
    #[arg(long = "secret-version", alias = "version", id = "secret_version", value_name = "VERSION", value_enum, default_value_t = VersionChoice::Current)]
    pub version: VersionChoice,
    /// Output format
    #[arg(long, value_enum, default_value_t = MintFormat::Json)]
    pub format: MintFormat,
    #[command(flatten)]
    pub file: OutArgs,
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The token, or - to read it from stdin [default: $AGENTCRED_TOKEN, else stdin]
    #[arg(value_name = "TOKEN")]
    pub token: Option<String>,
    /// The agent presenting the token: it must be its holder, the last agent it was delegated to
    /// (--json says whether that agent also signed it, as `exec --on-behalf-of` does)
    #[arg(long = "as", value_name = "AGENT")]
    pub holder: Option<String>,
    /// The action requested
    #[arg(long, value_name = "ACTION")]
    pub action: Option<String>,
    /// The resource requested
    #[arg(long, value_name = "RESOURCE")]
    pub resource: Option<String>,
    /// The vault id this verifier trusts: the vault's issuer keys must chain back to it (without
    /// it, the id in vault.toml is trusted)
    #[arg(long = "vault-id", value_name = "ID", env = "AGENTCRED_VAULT_ID")]
    pub vault_id: Option<String>,
    /// An issuer key this verifier knows is on the vault's chain (the newest when it was pinned):
    /// a chain without it, cut short or forked from an older, perhaps leaked, key, is refused
    #[arg(
        long = "issuer-key",
        value_name = "KEY_ID",
        env = "AGENTCRED_ISSUER_KEY"
    )]
    pub issuer_key: Option<String>,
    /// With --as: the challenge the holder's proof must name (see `agentcred present`)
    #[arg(long, value_name = "TEXT", requires = "holder")]
    pub challenge: Option<String>,
}

#[derive(Debug, Args)]
pub struct PresentArgs {
    /// The token, or - to read it from stdin [default: $AGENTCRED_TOKEN, else stdin]
    #[arg(long, value_name = "TOKEN")]
    pub token: Option<String>,
    /// The holding agent (with the admin unlock; with an agent key, the key's agent)
    #[arg(long, value_name = "AGENT")]
    pub agent: Option<String>,
    /// A challenge the verifier gave, included in the proof
    #[arg(long, value_name = "TEXT")]
    pub challenge: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum CredsCommand {
    /// List credentials (metadata only)
    #[command(
        after_long_help = "Examples:\n  agentcred creds list --active\n  agentcred creds list --agent coder --json"
    )]
    List {
        /// Only this agent's credentials
        #[arg(long, value_name = "AGENT")]
        agent: Option<String>,
        /// Only credentials that are neither expired nor revoked
        #[arg(long)]
        active: bool,
    },
    /// Revoke one credential (and everything derived from it), or all of an agent's
    #[command(
        after_long_help = "Examples:\n  agentcred creds revoke cr_62976bb50deb75   # an id from `creds list`\n  agentcred creds revoke --agent coder"
    )]
    #[command(group = clap::ArgGroup::new("which").required(true).args(["cred_id", "agent"]))]
    Revoke {
        /// The credential id (cr_…)
        cred_id: Option<String>,
        /// Revoke every credential of this agent
        #[arg(long, value_name = "AGENT")]
        agent: Option<String>,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum OnExpiry {
    /// SIGTERM, then SIGKILL after 10 s
    Term,
    /// SIGKILL
    Kill,
    /// Only record it; the program runs on
    Ignore,
}

#[derive(Debug, Args)]
pub struct UnlockArgs {
    /// How long the session lasts at most
    #[arg(long = "for", value_name = "DURATION", default_value = "15m", value_parser = duration::arg)]
    pub lifetime: chrono::Duration,
    /// End the session after this long without a command using it
    #[arg(long, value_name = "DURATION", default_value = "5m", value_parser = duration::arg)]
    pub idle: chrono::Duration,
}

#[derive(Debug, Args)]
pub struct ExecArgs {
    #[command(flatten)]
    pub scope: ScopeArgs,
    /// Pass only PATH, HOME, USER, LANG, LC_*, TERM, TZ, TMPDIR, SHELL from this environment
    #[arg(long)]
    pub clean_env: bool,
    /// Replace injected values (and their base64 and URL-encoded forms) in the program's output
    #[arg(long)]
    pub mask: bool,
    /// What happens when the credential expires
    #[arg(long, value_enum, default_value_t = OnExpiry::Term, value_name = "ACTION")]
    pub on_expiry: OnExpiry,
    /// Exec in place (same PID): no supervision, no end entry, no expiry enforcement
    #[arg(long, conflicts_with = "mask")]
    pub replace: bool,
    /// Act on a token another agent delegated to this one (`-`: read it from stdin). The program
    /// gets only what the token delegates and this agent is granted, for no longer than the token
    /// lives
    #[arg(long, value_name = "TOKEN")]
    pub on_behalf_of: Option<String>,
    /// Run the program outside the sandbox: it can then reach the vault directory and the key
    /// file. Recorded as a warning in the exec.start audit entry
    #[arg(long)]
    pub no_sandbox: bool,
    /// `required`: where the kernel cannot set the sandbox up, refuse to run (exit 125) rather than
    /// run the program without it [default: auto, or `[exec] sandbox` in the vault's config.toml]
    #[arg(long, value_enum, value_name = "MODE", conflicts_with = "no_sandbox")]
    pub sandbox: Option<SandboxMode>,
    /// Run the program behind a broker of its own: brokered secrets reach it as placeholders the
    /// broker swaps for the values in requests to their bound hosts (implied when a granted
    /// secret has delivery broker)
    #[arg(long)]
    pub broker: bool,
    /// With the broker: `bound` refuses connections to hosts no injected secret is bound to,
    /// `open` tunnels them untouched [default: open, or `[broker] egress` in config.toml]
    #[arg(long, value_enum, value_name = "MODE")]
    pub egress: Option<EgressMode>,
    /// With the broker: also trust the CA certificates of this PEM file for upstreams (a private
    /// or test CA) [default: `[broker] upstream_ca` in config.toml]
    #[arg(long, value_name = "FILE")]
    pub upstream_ca: Option<PathBuf>,
    /// The program and its arguments, after --
    #[arg(last = true, required = true, value_name = "CMD")]
    pub command: Vec<std::ffi::OsString>,
}

#[derive(Debug, Args)]
pub struct BrokerArgs {
    #[command(flatten)]
    pub scope: ScopeArgs,
    /// Where the proxy listens (loopback only; port 0: any free port)
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:0")]
    pub listen: std::net::SocketAddr,
    /// `bound` refuses connections to hosts no secret is bound to, `open` tunnels them untouched
    /// [default: open, or `[broker] egress` in config.toml]
    #[arg(long, value_enum, value_name = "MODE")]
    pub egress: Option<EgressMode>,
    /// Also trust the CA certificates of this PEM file for upstreams [default: `[broker]
    /// upstream_ca` in config.toml]
    #[arg(long, value_name = "FILE")]
    pub upstream_ca: Option<PathBuf>,
    /// Write the program's environment to this dotenv file (created 0600) instead of stdout
    #[arg(long, value_name = "FILE")]
    pub env_file: Option<PathBuf>,
    /// Replace an existing --env-file
    #[arg(long, requires = "env_file")]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct McpArgs {
    #[command(flatten)]
    pub scope: ScopeArgs,
    /// Never renew the credential: after its expiry every call is refused
    #[arg(long)]
    pub once: bool,
    /// `bound` refuses requests to hosts no secret is bound to, `open` lets them through
    /// untouched [default: open, or `[broker] egress` in config.toml]
    #[arg(long, value_enum, value_name = "MODE")]
    pub egress: Option<EgressMode>,
    /// Also trust the CA certificates of this PEM file for upstreams [default: `[broker]
    /// upstream_ca` in config.toml]
    #[arg(long, value_name = "FILE")]
    pub upstream_ca: Option<PathBuf>,
}

/// `exec --egress`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum EgressMode {
    /// Tunnel connections to other hosts untouched (they never see a value)
    Open,
    /// Refuse connections to hosts no injected secret is bound to
    Bound,
}

/// `exec --sandbox`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum SandboxMode {
    /// Sandbox the program where the kernel allows it; otherwise say so and run it without
    Auto,
    /// Sandbox the program or do not run it
    Required,
}

/// The clap command, for completions and man pages.
pub fn command() -> clap::Command {
    <Cli as clap::CommandFactory>::command()
}

/// Parses `args` (the program name first). The commands agents run on every call (`exec`, `mint`,
/// `verify`, and the credential helpers their tools run) are tried first against a command line of their own: building clap's whole tree of
/// some thirty subcommands is about a third of the page faults of an `exec`, some 0.4 ms. Anything
/// else, and every error or request for help, goes through the full definition, so what a user
/// sees is the same either way.
pub fn parse_from(args: Vec<std::ffi::OsString>) -> Result<Cli, clap::Error> {
    if args.get(1..).is_some_and(names_hot_subcommand)
        && let Ok(Hot { global, command }) = Hot::try_parse_from(&args)
    {
        let command = match command {
            HotCommand::Exec(a) => Command::Exec(a),
            HotCommand::Mint(a) => Command::Mint(a),
            HotCommand::Verify(a) => Command::Verify(a),
            HotCommand::GitCredential(a) => Command::GitCredential(a),
            HotCommand::AwsCredentialProcess(a) => Command::AwsCredentialProcess(a),
            HotCommand::DockerCredential(a) => Command::DockerCredential(a),
            HotCommand::KubeCredential(a) => Command::KubeCredential(a),
        };
        return Ok(Cli { global, command });
    }
    Cli::try_parse_from(args)
}

/// Does `args` name one of [`HotCommand`]'s subcommands? The first word that is not a global
/// option or its value decides.
fn names_hot_subcommand(args: &[std::ffi::OsString]) -> bool {
    let mut words = args.iter().map(|a| a.to_str());
    while let Some(word) = words.next() {
        match word {
            Some("--vault" | "--color" | "--identity" | "--key-file") => {
                words.next();
            }
            Some(w) if w.starts_with('-') => {}
            Some(w) => {
                return matches!(
                    w,
                    "exec"
                        | "mint"
                        | "verify"
                        | "git-credential"
                        | "aws-credential-process"
                        | "docker-credential"
                        | "kube-credential"
                );
            }
            None => return false,
        }
    }
    false
}

/// [`Cli`] with only the hot subcommands (see [`parse_from`]).
#[derive(Debug, Parser)]
#[command(name = "agentcred", version, max_term_width = 100)]
struct Hot {
    #[command(flatten)]
    global: Global,
    #[command(subcommand)]
    command: HotCommand,
}

#[derive(Debug, Subcommand)]
enum HotCommand {
    Exec(ExecArgs),
    Mint(MintArgs),
    Verify(VerifyArgs),
    GitCredential(GitCredentialArgs),
    AwsCredentialProcess(AwsCredentialArgs),
    DockerCredential(DockerCredentialArgs),
    KubeCredential(KubeCredentialArgs),
}

#[cfg(test)]
mod tests {
    use std::ffi::OsString;

    use clap::Parser;

    #[test]
    fn the_command_line_definition_is_consistent() {
        super::command().debug_assert();
        <super::Hot as clap::CommandFactory>::command().debug_assert();
    }

    /// The short cut parses every hot command line exactly as the full definition does, and
    /// leaves everything else to it.
    #[test]
    fn hot_commands_parse_as_the_full_command_line_does() {
        let lines = [
            "exec -- true",
            "--vault v exec --agent a --ttl 5m --mask -- sh -c 'x y'",
            "-q --json exec --secret s --secret t --on-expiry kill --clean-env -- env",
            "--key-file k exec --on-behalf-of - -- ./agent --help -- x",
            "exec --replace -- /bin/echo --version",
            "exec --broker --egress bound --upstream-ca ca.pem -- curl https://x",
            "mint --agent a --format env --ttl 1h --secret db",
            "--color never mint --version previous --format token",
            "verify TOKEN --as b --action read --resource r",
            "-v --identity id verify TOKEN",
            "git-credential get",
            "git-credential --agent a --secret s --username u --ttl 5m store",
            "aws-credential-process --agent a --secret s --ttl 1h",
            "docker-credential get",
            "--key-file k docker-credential --username u list",
            "kube-credential --secret s",
        ];
        for line in lines {
            let args: Vec<OsString> = std::iter::once("agentcred")
                .chain(line.split(' '))
                .map(OsString::from)
                .collect();
            assert!(super::names_hot_subcommand(&args[1..]), "{line}");
            let hot = super::Hot::try_parse_from(&args).expect(line);
            let full = super::Cli::try_parse_from(&args).expect(line);
            let fast = super::parse_from(args).expect(line);
            assert_eq!(format!("{fast:?}"), format!("{full:?}"), "{line}");
            assert_eq!(format!("{:?}", hot.global), format!("{:?}", full.global));
        }
        for line in [
            "agent list",
            "--vault exec status",
            "secret set exec",
            "--json",
            "exec",
            "exec --help",
            "mint --no-such-flag",
        ] {
            let args: Vec<OsString> = std::iter::once("agentcred")
                .chain(line.split(' '))
                .map(OsString::from)
                .collect();
            let full = super::Cli::try_parse_from(args.clone()).map(|c| format!("{c:?}"));
            let fast = super::parse_from(args).map(|c| format!("{c:?}"));
            match (full, fast) {
                (Ok(a), Ok(b)) => assert_eq!(a, b, "{line}"),
                (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string(), "{line}"),
                (a, b) => panic!("{line}: {a:?} against {b:?}"),
            }
        }
    }
}

#[derive(Debug, Args)]
pub struct AuditArgs {
    #[command(subcommand)]
    pub command: Option<AuditCommand>,
    #[command(flatten)]
    pub list: AuditListArgs,
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// List entries, oldest first (a table; JSON Lines under --json)
    #[command(
        after_long_help = "Examples:\n  agentcred audit list --agent coder --since 1h\n  agentcred audit list --action 'cred.*' --result denied --json"
    )]
    List(AuditListArgs),
    /// Recompute the hash chain and check every checkpoint (exit 65 on any failure)
    #[command(
        long_about = "Recompute the hash chain from the first entry and check every signed \
checkpoint against it.\n\n\
Reports the range the checkpoints authenticate and the entries after the last one (unanchored: \
their chain is intact, but nothing signed vouches for them yet). Any edited, deleted, inserted, \
duplicated or reordered entry, or a log cut below a checkpoint, is named by its seq and exits 65. \
A checkpoint kept outside the vault (`audit checkpoint`) passed with --checkpoint also catches the \
whole vault directory being rolled back.\n\n\
Each entry's writer signature is checked once: every admin change (and `audit checkpoint`) checks \
those of the entries since the last checkpoint before signing the next one, and refuses (65) to \
sign over a bad one. So verify checks the signatures after the last such checkpoint only, and says \
which range it checked; --full checks them all again.",
        after_long_help = "Examples:\n  agentcred audit verify\n  agentcred audit verify --checkpoint anchor.json --full"
    )]
    Verify(AuditVerifyArgs),
    /// Sign a checkpoint of the log's current size and head, to keep outside the vault
    #[command(
        after_long_help = "Examples:\n  agentcred audit checkpoint > anchor.json   # keep it somewhere else"
    )]
    Checkpoint,
    /// Print the last entries, and with -f every new one as it is appended
    #[command(
        after_long_help = "Examples:\n  agentcred audit tail -n 20\n  agentcred audit tail -f"
    )]
    Tail(AuditTailArgs),
    /// Report anomalies: call-rate bursts, failure spikes, denial bursts, first uses, stale keys
    #[command(
        long_about = "Report anomalies found on the log and in the vault.\n\n\
Per agent, in one-minute buckets: call rate above its baseline (modified z-score over the median \
and MAD of its recent active minutes > 3.5, or above 2x the median when the baseline has no spread; \
only after a warm-up of 10 active minutes), failure-rate spikes, bursts of denials, first use of a \
secret or resource, and hard --rate-limit breaches. From the vault: keys and secrets older than \
90 days, keys unused for 45 days, more than one active key per agent outside a rotation overlap.\n\n\
The same checks run live at every mint and exec; their findings are recorded as `anomaly` entries \
and sent to the alert command.\n\n\
Thresholds and the alert command live in config.toml in the vault directory:\n\n  \
[anomaly]\n  warmup = 10        # active minutes before rate checks start\n  z = 3.5\n  ratio = 2.0\n  \
min_calls = 5      # a minute with fewer calls is never a burst\n  failure_min = 3\n  denial_burst = 5\n  \
max_age_days = 90\n  unused_days = 45\n\n  [alerts]\n  command = \"logger -t agentcred\"   # gets each anomaly as JSON on stdin\n  \
timeout_secs = 10",
        after_long_help = "Examples:\n  agentcred audit anomalies\n  agentcred audit anomalies --since 7d --json"
    )]
    Anomalies(AuditAnomaliesArgs),
    /// Print the HMAC form of a value, as stored in argv_hmac / params_hmac, to search the log
    #[command(
        long_about = "Print the HMAC form of a value (hmac-sha256:…), as the log stores \
sensitive fields such as argv_hmac and params_hmac, so that a known value can be searched for \
without the log ever holding it.\n\n\
A value on the command line is visible to other processes on this machine; for anything \
sensitive, use --stdin.\n\n\
Examples:\n  agentcred audit --json | grep \"$(agentcred audit hash ./deploy.sh)\""
    )]
    Hash(AuditHashArgs),
}

#[derive(Debug, Args, Default)]
pub struct AuditListArgs {
    /// Only entries about this agent
    #[arg(long, value_name = "AGENT")]
    pub agent: Option<String>,
    /// Only this action (e.g. cred.mint), or a family ending in * (e.g. 'cred.*')
    #[arg(long, value_name = "ACTION")]
    pub action: Option<String>,
    /// Only this result
    #[arg(long, value_enum, value_name = "RESULT")]
    pub result: Option<AuditResult>,
    /// Only entries at or after this time: a duration ago (1h, 7d) or RFC 3339
    #[arg(long, value_name = "TIME", value_parser = crate::duration::time_arg)]
    pub since: Option<crate::duration::TimeArg>,
    /// Only entries before this time: a duration ago (1h, 7d) or RFC 3339
    #[arg(long, value_name = "TIME", value_parser = crate::duration::time_arg)]
    pub until: Option<crate::duration::TimeArg>,
    /// Only the last N matching entries [default on a terminal: 100]
    #[arg(long, value_name = "N")]
    pub limit: Option<usize>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum AuditResult {
    Ok,
    Denied,
    Error,
}

#[derive(Debug, Args)]
pub struct AuditVerifyArgs {
    /// Also check against a checkpoint kept outside the vault (from `audit checkpoint`; repeatable)
    #[arg(long = "checkpoint", value_name = "FILE")]
    pub checkpoints: Vec<PathBuf>,
    /// Also check against the latest checkpoint the witness holds: COMMAND (run with `sh -c`, given
    /// the argument `get`), or without a value the `[audit] witness` of config.toml
    #[arg(long, value_name = "COMMAND", num_args = 0..=1, default_missing_value = "")]
    pub witness: Option<String>,
    /// Check every entry's signature, also those a checkpoint's signer already checked
    #[arg(long)]
    pub full: bool,
}

#[derive(Debug, Args)]
pub struct AuditTailArgs {
    /// Keep printing entries as they are appended, by this or any other process
    #[arg(short, long)]
    pub follow: bool,
    /// How many of the last entries to print first
    #[arg(short = 'n', long, default_value_t = 10, value_name = "N")]
    pub lines: usize,
}

#[derive(Debug, Args)]
pub struct AuditAnomaliesArgs {
    /// Only anomalies at or after this time: a duration ago (24h, 7d) or RFC 3339
    #[arg(long, value_name = "TIME", default_value = "24h", value_parser = crate::duration::time_arg)]
    pub since: crate::duration::TimeArg,
}

#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("input").required(true).args(["value", "stdin"]))]
pub struct AuditHashArgs {
    /// The value (for a sensitive one, use --stdin)
    pub value: Option<String>,
    /// Read the value from stdin (one trailing newline is dropped)
    #[arg(long)]
    pub stdin: bool,
}

#[derive(Debug, Args)]
pub struct DelegateArgs {
    /// The agent receiving the delegation
    #[arg(long, value_name = "AGENT")]
    pub to: String,
    /// Delegate only these actions, comma separated or repeated [default: every action the parent allows]
    #[arg(long, alias = "action", value_delimiter = ',', value_name = "ACTIONS")]
    pub actions: Vec<String>,
    /// Delegate only these resources, exact names, comma separated or repeated [default: every resource the parent allows]
    #[arg(
        long,
        alias = "resource",
        value_delimiter = ',',
        value_name = "RESOURCES"
    )]
    pub resources: Vec<String>,
    /// How long the delegation lasts [default: as long as its parent]
    #[arg(long, value_name = "DURATION", value_parser = duration::arg)]
    pub ttl: Option<chrono::Duration>,
    /// What the delegation is for, recorded in the token and on the audit log
    #[arg(long, value_name = "TEXT")]
    pub task: Option<String>,
    /// Delegate from this token (`-`: read it from stdin) instead of a fresh credential
    #[arg(long, value_name = "TOKEN")]
    pub token: Option<String>,
    /// The delegating agent (with the admin unlock)
    #[arg(long, value_name = "AGENT")]
    pub agent: Option<String>,
    /// How to print the delegated token
    #[arg(long, value_enum, default_value_t = DelegateFormat::Token, value_name = "FORMAT")]
    pub format: DelegateFormat,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum DelegateFormat {
    /// The token alone
    Token,
    /// A JSON document with the delegation and the token
    Json,
}
