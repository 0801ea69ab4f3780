#!/bin/bash
# The build driver `e2e codebuild-local` puts in place of the image's ENTRYPOINT, as
# CodeBuild puts its own agent there. It runs the phases of one build with CodeBuild's
# rules and prints CodeBuild-style "[Container]" lines.
#
# The shell session. Each command runs as its own script, $CB_STATE_DIR/script.sh, in a new
# shell (bash or /bin/sh: the plan says which), as the service runs each command as
# /codebuild/output/tmp/script.sh (its error messages name that file and line 4). Lines 1-3
# restore the session; line 4 on is the command; when the shell exits, however it exits
# (`exit 1`, `set -e`), an EXIT trap saves the session for the next command. What carries
# over from one command to the next, across phases too:
#   - the working directory;
#   - the variables (exported ones stay exported, plain ones stay plain, `unset` ones stay
#     unset), except the shell's own (IFS, OPTIND, PS1, PPID, ...), which start fresh;
#   - functions, under bash only (a POSIX sh cannot list its functions);
#   - processes started in the background (`nohup cmd &`, `cmd &`): they are processes, not
#     shell state, and run on until they end or the build ends.
# What does not: the job table (`jobs`, `%1`, `wait` for a job of an earlier command), `$!`,
# `$?`, traps (a trap runs when its command's shell exits), `set`/`shopt` options, aliases,
# umask. A background process is reached from a later command through a pid file, as the
# CodeBuild docs show: `nohup cmd & echo $! > pidfile`, later `kill $(cat pidfile)`.
#
# Input ($CB_PLAN), one record a line, tab-separated (see runner/codebuild/driver.py):
#   shell SHELL | phase NAME ACTION RETRIES | cmd NAME RETRY_ON BASE64 | finally NAME RETRY_ON BASE64
# Also $CB_STATE_DIR (where the session lives) and, optionally, $CB_OWNER (uid:gid to give the
# source folder back to at the end). None of the three is visible to the build's commands.
set -u

plan="${CB_PLAN:?}"
state="${CB_STATE_DIR:?}"
owner="${CB_OWNER:-}"
unset CB_PLAN CB_STATE_DIR CB_OWNER

cb_log() { printf '[Container] %s %s\n' "$(date -u '+%Y/%m/%d %H:%M:%S')" "$*"; }

# $1 single-quoted for either shell.
sq() { local s=${1//"'"/"'\\''"}; printf "'%s'" "$s"; }

mkdir -p "$state" || { cb_log "cannot create the state folder $state"; exit 2; }
cd "${CODEBUILD_SRC_DIR:?}" || { cb_log "cannot enter CODEBUILD_SRC_DIR=$CODEBUILD_SRC_DIR"; exit 2; }

# --------------------------------------------------------------------------- the plan
shell=/bin/sh
phases=()
declare -A action=() retries=() cmds=() fins=()
while IFS=$'\t' read -r kind a b c; do
  case "$kind" in
    shell) shell="$a" ;;
    phase) phases+=("$a"); action[$a]="$b"; retries[$a]="$c"; cmds[$a]=""; fins[$a]="" ;;
    cmd) cmds[$a]+="$b:$c " ;;
    finally) fins[$a]+="$b:$c " ;;
  esac
done <"$plan"

case "$shell" in
  bash) shell_bin="$(command -v bash || echo /bin/bash)"; flavour=bash ;;
  /bin/sh) shell_bin=/bin/sh; flavour=sh ;;
  *) cb_log "env.shell $shell is not supported (bash or /bin/sh)"; exit 2 ;;
esac

# --------------------------------------------------------------------------- the session
# save.sh: __cb_save STATUS writes the session to vars.sh and exits with STATUS.
# (@VARS@ and @VARS_TMP@ stand for the quoted paths of vars.sh and its temporary file.)
if [ "$flavour" = bash ]; then
  read -r -d '' save <<'SAVE'
__cb_save() {
  local __cb_rc=$1 __cb_n __cb_d __cb_f __cb_ff __cb_fn IFS=$' \t\n'
  [ -z "${__cb_saved:-}" ] || exit "$__cb_rc"
  __cb_saved=1
  set +eu
  {
    for __cb_n in $(compgen -v); do
      case "$__cb_n" in
        __cb_*|BASH|BASHOPTS|BASHPID|BASH_*|COLUMNS|COMP_*|DIRSTACK|EPOCHREALTIME|EPOCHSECONDS|EUID|FUNCNAME|GROUPS|HISTCMD|HISTFILE|IFS|LINENO|LINES|OLDPWD|OPTARG|OPTERR|OPTIND|PIPESTATUS|PPID|PS1|PS2|PS4|PWD|RANDOM|SECONDS|SHELLOPTS|SHLVL|SRANDOM|UID|_) continue ;;
      esac
      __cb_d="$(declare -p "$__cb_n" 2>/dev/null)" || continue
      __cb_f="${__cb_d#declare }"; __cb_f="${__cb_f%% *}"
      case "$__cb_f" in *r*) continue ;; esac
      # bash sets these itself: carried only when they came from the environment.
      case "$__cb_n" in
        HOSTNAME|HOSTTYPE|MACHTYPE|OSTYPE|MAILCHECK|HISTSIZE|HISTFILESIZE) case "$__cb_f" in *x*) ;; *) continue ;; esac ;;
      esac
      printf '%s\n' "$__cb_d"
    done
    while read -r _ __cb_ff __cb_fn; do
      case "$__cb_fn" in __cb_*) continue ;; esac
      declare -f "$__cb_fn"
      case "$__cb_ff" in *x*) printf 'export -f %s\n' "$__cb_fn" ;; esac
    done < <(declare -F)
    printf 'command cd %q 2>/dev/null || :\n' "$(pwd)"
  } >|@VARS_TMP@
  command mv -f @VARS_TMP@ @VARS@
  exit "$__cb_rc"
}
SAVE
else
  read -r -d '' save <<'SAVE'
__cb_quote() {
  __cb_r=$1 __cb_q=
  while :; do
    case $__cb_r in
      *\'*) __cb_q="$__cb_q${__cb_r%%\'*}'\\''"; __cb_r=${__cb_r#*\'} ;;
      *) __cb_q="$__cb_q$__cb_r"; break ;;
    esac
  done
}
__cb_save() {
  __cb_rc=$1
  [ -z "${__cb_saved:-}" ] || exit "$__cb_rc"
  __cb_saved=1
  set +eu
  IFS=' 	
'
  __cb_kept=
  __cb_ro=" $(readonly -p | sed -n 's/^readonly \([A-Za-z_][A-Za-z0-9_]*\).*/\1/p' | tr '\n' ' ') "
  {
    for __cb_n in $(set | sed -n 's/^\([A-Za-z_][A-Za-z0-9_]*\)=.*/\1/p'); do
      case $__cb_n in
        __cb_*|BASH|BASH_*|BASHOPTS|BASHPID|EUID|IFS|LINENO|OLDPWD|OPTARG|OPTIND|PPID|PS1|PS2|PS4|PWD|SHELLOPTS|SHLVL|UID|_) continue ;;
      esac
      case $__cb_ro in *" $__cb_n "*) continue ;; esac
      eval "[ \"\${$__cb_n+x}\" = x ]" || continue
      eval "__cb_quote \"\$$__cb_n\""
      printf "%s='%s'\n" "$__cb_n" "$__cb_q"
      __cb_kept="$__cb_kept $__cb_n"
    done
    # Which of them are exported: a child shell sees exactly those.
    /bin/sh -c 'for n do eval "[ \"\${$n+x}\" = x ]" && printf "export %s\n" "$n"; done; :' sh $__cb_kept
    __cb_quote "$(pwd)"
    printf "command cd '%s' 2>/dev/null || :\n" "$__cb_q"
  } >|@VARS_TMP@
  command mv -f @VARS_TMP@ @VARS@
  exit "$__cb_rc"
}
SAVE
fi
vars="$(sq "$state/vars.sh")"
save="${save//@VARS_TMP@/"$(sq "$state/vars.tmp")"}"
save="${save//@VARS@/"$vars"}"
printf '%s\n' "$save" >"$state/save.sh"

# vars.sh, the session as the first command gets it: this process's environment (the
# image's ENV and the build's variables) and the source folder as working directory.
export CODEBUILD_BUILD_SUCCEEDING=1
{
  for name in $(compgen -e); do
    case "$name" in PWD|OLDPWD|SHLVL|_) continue ;; esac
    printf '%s=%s\nexport %s\n' "$name" "$(sq "${!name}")" "$name"
  done
  printf 'command cd %s 2>/dev/null || :\n' "$(sq "$CODEBUILD_SRC_DIR")"
} >"$state/vars.sh"

# CodeBuild checks the source out as root; so is the copy here while the build runs (git
# refuses a repository owned by another user). It is given back to $owner at the end.
if [ -n "$owner" ] && [ "$EUID" = 0 ]; then
  chown -R 0:0 "$CODEBUILD_SRC_DIR" 2>/dev/null || true
fi

run_one() {
  # $1: the command text, run as script.sh (command on line 4, as in the service's scripts).
  {
    printf '. %s\n' "$vars"
    printf '. %s\n' "$(sq "$state/save.sh")"
    printf "trap '{ __cb_save \$?; } 2>/dev/null' EXIT\n"
    printf '%s\n' "$1"
    # Saved here too when the command ends by itself: it may have replaced the EXIT trap.
    printf '{ __cb_save $?; } 2>/dev/null\n'
  } >"$state/script.tmp" && mv -f "$state/script.tmp" "$state/script.sh"
  env -i "$shell_bin" "$state/script.sh"
}

# --------------------------------------------------------------------------- the phases
in_ranges() {
  # $1: an exit status; $2: ranges "1-3,75" (or "-"). True when $1 is in one of them.
  local range IFS=,
  for range in $2; do
    [ "$range" = - ] && continue
    [ "$1" -ge "${range%-*}" ] && [ "$1" -le "${range#*-}" ] && return 0
  done
  return 1
}

run_block() {
  # $1: "RETRY_ON:BASE64 ..." items; runs them in order and stops at the first failure,
  # which it describes in failed_text, failed_rc, failed_retry_on.
  local item text rc
  for item in $1; do
    text="$(printf '%s' "${item#*:}" | base64 -d)"
    cb_log "Running command $text"
    run_one "$text"
    rc=$?
    if [ "$rc" -ne 0 ]; then
      cb_log "Command did not exit successfully $text exit status $rc"
      failed_text="$text" failed_rc="$rc" failed_retry_on="${item%%:*}"
      return 1
    fi
  done
  return 0
}

succeeding=1
skip_rest=0
for phase in "${phases[@]}"; do
  upper="${phase^^}"
  if [ "$skip_rest" = 1 ]; then
    cb_log "Phase complete: $upper State: SKIPPED"
    continue
  fi
  cb_log "Entering phase $upper"
  attempt=1
  attempts=$(( ${retries[$phase]:-0} + 1 ))
  while :; do
    status=SUCCEEDED
    if ! run_block "${cmds[$phase]}"; then
      status=FAILED error_text="$failed_text" error_rc="$failed_rc" error_retry_on="$failed_retry_on"
    fi
    # finally runs whether commands failed or not; the phase's error is the first failure.
    if [ -n "${fins[$phase]}" ] && ! run_block "${fins[$phase]}" && [ "$status" = SUCCEEDED ]; then
      status=FAILED error_text="$failed_text" error_rc="$failed_rc" error_retry_on="$failed_retry_on"
    fi
    [ "$status" = SUCCEEDED ] && break
    message="Error while executing command: $error_text. Reason: exit status $error_rc"
    [ "${action[$phase]}" = RETRY ] || break
    if ! in_ranges "$error_rc" "$error_retry_on"; then
      cb_log "on-failure RETRY: the error message does not match the regular expression; not retried"
      break
    fi
    if [ "$attempt" -ge "$attempts" ]; then
      [ "$attempts" -gt 1 ] && cb_log "on-failure RETRY: $((attempts - 1)) retries used up"
      break
    fi
    attempt=$((attempt + 1))
    cb_log "Phase context status code: COMMAND_EXECUTION_ERROR Message: $message"
    cb_log "Retrying phase $upper (on-failure RETRY): attempt $attempt of $attempts"
  done
  cb_log "Phase complete: $upper State: $status"
  [ "$status" = FAILED ] || continue
  cb_log "Phase context status code: COMMAND_EXECUTION_ERROR Message: $message"
  succeeding=0
  printf 'export CODEBUILD_BUILD_SUCCEEDING=0\n' >>"$state/vars.sh"
  case "${action[$phase]}" in
    ABORT) skip_rest=1 ;;
    CONTINUE) ;;
    *)
      # CodeBuild's phase transitions (no on-failure, or a RETRY that did not save the
      # phase): a failed install or pre_build ends the build; a failed build still runs
      # post_build (with CODEBUILD_BUILD_SUCCEEDING=0).
      case "$phase" in install|pre_build) skip_rest=1 ;; esac
      ;;
  esac
done

# Files the build wrote into the bind-mounted workspace belong to root; hand them to the
# caller so the workspace can be cleaned up without root.
if [ -n "$owner" ]; then
  chown -R "$owner" "$CODEBUILD_SRC_DIR" 2>/dev/null || true
fi

if [ "$succeeding" = 1 ]; then
  cb_log "Build succeeded"
  exit 0
fi
cb_log "Build failed"
exit 1
