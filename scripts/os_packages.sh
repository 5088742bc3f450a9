# Sourced by the setup scripts: install Debian packages quietly, with sudo unless root.
# Does nothing where there is no apt-get (the caller's own check then names what is missing).
install_os_packages() {
  command -v apt-get >/dev/null 2>&1 || return 0
  local sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "$@" >/dev/null
}
