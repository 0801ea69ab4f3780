#!/bin/bash
# The build driver `e2e codebuild-local` puts in place of the image's ENTRYPOINT, as
# CodeBuild puts its own agent there. It runs the phases of one build with CodeBuild's
# rules and prints CodeBuild-style "[Container]" lines.
#
# Every command runs in a fresh bash that first restores the variables, functions and
# working directory the previous command left, and saves them on exit. That is how "one
# shell session for the whole build" behaves (cd, export and plain assignments carry on)
# while `exit 1` or `set -e` in one command fails only that command, as in CodeBuild.
#
# Input: $CB_PLAN, a file of lines "PHASE<TAB>ON_FAILURE<TAB>KIND<TAB>BASE64(command)",
# KIND being "phase" (declares the phase), "cmd" or "finally". Phases appear in order install, pre_build, build, post_build.
set -u

state="${CB_STATE_DIR:?}"
mkdir -p "$state"

cb_log() { printf '[Container] %s %s\n' "$(date -u '+%Y/%m/%d %H:%M:%S')" "$*"; }

# Runs in the per-command shells: save everything a following command may rely on.
cat >"$state/save.sh" <<'SAVE'
__cb_save() {
  local __cb_rc=$? __cb_n __cb_d __cb_f
  {
    for __cb_n in $(compgen -v); do
      case "$__cb_n" in
        BASH|BASHOPTS|BASHPID|BASH_*|COLUMNS|COMP_*|DIRSTACK|EPOCHREALTIME|EPOCHSECONDS|EUID|FUNCNAME|GROUPS|HISTCMD|HISTFILE|HOSTNAME|HOSTTYPE|IFS|LINENO|LINES|MACHTYPE|OLDPWD|OPTARG|OPTERR|OPTIND|OSTYPE|PIPESTATUS|PPID|PS1|PS2|PS4|PWD|RANDOM|SECONDS|SHELLOPTS|SHLVL|SRANDOM|UID|_|CB_COMMAND|CB_STATE_DIR|CB_PLAN|CB_OWNER|__cb_*) continue ;;
      esac
      __cb_d="$(declare -p "$__cb_n" 2>/dev/null)" || continue
      __cb_f="${__cb_d#declare }"
      case "${__cb_f%% *}" in *r*) continue ;; esac
      printf '%s\n' "$__cb_d"
    done
    # The build's functions carry over too; the driver's own (__cb_*) are defined anew each time.
    while read -r _ _ __cb_fn; do
      case "$__cb_fn" in __cb_*) ;; *) declare -f "$__cb_fn" ;; esac
    done < <(declare -F)
  } >"$CB_STATE_DIR/vars.tmp" 2>/dev/null
  mv -f "$CB_STATE_DIR/vars.tmp" "$CB_STATE_DIR/vars.sh"
  pwd >"$CB_STATE_DIR/cwd" 2>/dev/null
  exit "$__cb_rc"
}
SAVE

run_one() {
  # $1: the command text. The child starts from an empty environment and the saved state,
  # so an `unset` in one command holds for the next ones too.
  env -i CB_STATE_DIR="$state" CB_COMMAND="$1" /bin/bash --noprofile --norc -c '
    . "$CB_STATE_DIR/vars.sh"
    . "$CB_STATE_DIR/save.sh"
    trap __cb_save EXIT
    cd "$(cat "$CB_STATE_DIR/cwd")" 2>/dev/null || true
    eval "$CB_COMMAND"
  '
}

set_succeeding() {
  printf 'declare -x CODEBUILD_BUILD_SUCCEEDING="%s"\n' "$1" >>"$state/vars.sh"
}

# The initial state: this process's environment, as CodeBuild gives it to the first command.
export CODEBUILD_BUILD_SUCCEEDING=1
export -p >"$state/vars.sh"
cd "${CODEBUILD_SRC_DIR:?}" || { cb_log "cannot enter CODEBUILD_SRC_DIR=$CODEBUILD_SRC_DIR"; exit 2; }
pwd >"$state/cwd"

succeeding=1
skip_rest=0
phases=(install pre_build build post_build)
declare -A on_failure=()
declare -A cmds=()
declare -A fins=()
while IFS=$'\t' read -r phase policy kind encoded; do
  [ -n "$phase" ] || continue
  on_failure[$phase]="$policy"
  case "$kind" in
    cmd) cmds[$phase]+="$encoded " ;;
    finally) fins[$phase]+="$encoded " ;;
  esac
done <"${CB_PLAN:?}"

run_list() {
  # Runs base64-encoded commands in order; stops at the first failure. Returns its status.
  local encoded text rc
  for encoded in $1; do
    text="$(printf '%s' "$encoded" | base64 -d)"
    cb_log "Running command $text"
    run_one "$text"
    rc=$?
    if [ "$rc" -ne 0 ]; then
      cb_log "Command did not exit successfully $text exit status $rc"
      return "$rc"
    fi
  done
  return 0
}

for phase in "${phases[@]}"; do
  upper="$(printf '%s' "$phase" | tr 'a-z' 'A-Z')"
  if [ -z "${on_failure[$phase]+set}" ]; then
    continue
  fi
  if [ "$skip_rest" = 1 ]; then
    cb_log "Phase complete: $upper State: SKIPPED"
    continue
  fi
  cb_log "Entering phase $upper"
  status=SUCCEEDED
  run_list "${cmds[$phase]:-}" || status=FAILED
  if [ -n "${fins[$phase]:-}" ]; then
    run_list "${fins[$phase]}" || status=FAILED
  fi
  cb_log "Phase complete: $upper State: $status"
  if [ "$status" = FAILED ]; then
    cb_log "Phase context status code: COMMAND_EXECUTION_ERROR Message: Error while executing command"
    succeeding=0
    set_succeeding 0
    if [ "${on_failure[$phase]}" = CONTINUE ]; then
      continue
    fi
    # CodeBuild's transitions: a failed install or pre_build ends the build; a failed
    # build still runs post_build (with CODEBUILD_BUILD_SUCCEEDING=0).
    case "$phase" in
      install|pre_build) skip_rest=1 ;;
    esac
  fi
done

# Files the build wrote into the bind-mounted workspace belong to root; hand them to the
# caller so the workspace can be cleaned up without root.
if [ -n "${CB_OWNER:-}" ]; then
  chown -R "$CB_OWNER" "$CODEBUILD_SRC_DIR" 2>/dev/null || true
fi

if [ "$succeeding" = 1 ]; then
  cb_log "Build succeeded"
  exit 0
fi
cb_log "Build failed"
exit 1
