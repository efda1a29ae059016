// Package installer turns the running agent binary into a jump client
// (SPEC C1–C5): it parses the installer flags (exe/.bin syntax and MSI
// properties), validates them, copies the binary into a new install
// directory, records the jump-client settings in DIR/state/install.json and
// registers the agent with whatever starts it (an init-script for headless
// Linux, a system service, or a per-user autostart entry).
//
// Layout of an installation:
//
//	DIR/tether              the agent (with its embedded config), 0755
//	DIR/state/              the agent's state dir (identity key …), 0700
//	DIR/state/install.json  Record: jc flags, mode, launcher, 0600
//	DIR/init-script         headless Linux only: start|stop|restart|status
//	DIR/uninstall           headless Linux only: stops and removes DIR
//	DIR/tether.pid, .log    the init-script's, and Control's for launchers
//	                        without a process manager (XDG autostart, Run
//	                        key, systemd --user without a user manager)
//
// The jump client always runs as `DIR/tether service run --state-dir
// DIR/state`. Control (`tether service start|stop|restart|status`) acts on
// it through the launcher it was installed with. Everything that touches the OS identity (euid, user lookup,
// chown, helper commands) goes through Env so tests can pretend to be root.
package installer
