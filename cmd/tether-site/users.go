package main

import (
	"bufio"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/tetherhq/tether/site"
)

func userCmd(g *globals) *cobra.Command {
	user := &cobra.Command{Use: "user", Short: "Manage technicians"}
	var admin, stdin bool
	add := &cobra.Command{
		Use:   "add NAME",
		Short: "Add a technician (password read from stdin)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			pw, err := readPassword(cmd, stdin)
			if err != nil {
				return err
			}
			if err := site.AddUser(cmd.Context(), g.db(), args[0], pw, admin); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "added user %s\n", args[0])
			return nil
		},
	}
	add.Flags().BoolVar(&admin, "admin", false, "make the user an admin")
	add.Flags().BoolVar(&stdin, "password-stdin", false, "read the password from standard input")
	var teams []string
	var seePersonal bool
	access := &cobra.Command{
		Use:   "access NAME",
		Short: "Set a technician's teams and whether they see other technicians' personal jump groups",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := site.SetUserAccess(cmd.Context(), g.db(), args[0], teams, seePersonal); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "user %s: teams %v, sees personal groups: %v\n", args[0], teams, seePersonal)
			return nil
		},
	}
	access.Flags().StringArrayVar(&teams, "team", nil, "team jump group the user belongs to (repeat; replaces the current teams)")
	access.Flags().BoolVar(&seePersonal, "see-personal-groups", false, "may see other technicians' personal jump groups")
	user.AddCommand(add, passwdCmd(g), access, disableCmd(g), enableCmd(g))
	return user
}

// disableCmd takes access away from a technician who left. Disabling
// rather than deleting keeps the history that names the user.
func disableCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "disable NAME",
		Short: "Disable a user: end their console logins and API tokens and refuse them from now on",
		Long: "Disable a user, also on a running site: their console logins and API tokens end at once and\n" +
			"every login and request of theirs is refused (401) until `user enable`. Their sessions, audit\n" +
			"entries, jump clients and personal jump groups stay. The last enabled admin cannot be disabled.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := site.SetUserDisabled(cmd.Context(), g.db(), args[0], true); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "user %s disabled: its console logins and API tokens ended\n", args[0])
			return nil
		},
	}
}

func enableCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "enable NAME",
		Short: "Enable a disabled user again (their old API tokens stay revoked)",
		Long: "Enable a disabled user: they log in with their password again. The API tokens that disabling\n" +
			"ended stay revoked: create new ones with `token create`.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := site.SetUserDisabled(cmd.Context(), g.db(), args[0], false); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "user %s enabled\n", args[0])
			return nil
		},
	}
}

// passwdCmd changes a password, e.g. the bootstrap admin's that `serve`
// printed (and so may sit in a log).
func passwdCmd(g *globals) *cobra.Command {
	var stdin bool
	passwd := &cobra.Command{
		Use:   "passwd NAME",
		Short: "Change a user's password (read from stdin) and end their console logins",
		Long: "Change a user's password, read as one line from standard input, and end every console login\n" +
			"of the user at once, also on a running site. The user's API tokens stay valid: revoke them with\n" +
			"`token revoke`.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			pw, err := readPassword(cmd, stdin)
			if err != nil {
				return err
			}
			if err := site.SetUserPassword(cmd.Context(), g.db(), args[0], pw); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "password of %s changed; its console logins ended\n", args[0])
			return nil
		},
	}
	passwd.Flags().BoolVar(&stdin, "password-stdin", false, "read the password from standard input")
	return passwd
}

// readPassword reads one line from stdin; --password-stdin is required so
// that nobody expects a password argument (it would land in the shell
// history and the process list).
func readPassword(cmd *cobra.Command, stdin bool) (string, error) {
	if !stdin {
		return "", errors.New("pass --password-stdin: passwords are never taken from the command line")
	}
	line, err := bufio.NewReader(cmd.InOrStdin()).ReadString('\n')
	if err != nil && line == "" {
		return "", fmt.Errorf("read password: %w", err)
	}
	return strings.TrimRight(line, "\r\n"), nil
}

func tokenCmd(g *globals) *cobra.Command {
	token := &cobra.Command{Use: "token", Short: "Manage API tokens"}
	token.AddCommand(&cobra.Command{
		Use:   "create NAME",
		Short: "Create an API token for user NAME and print it",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			tok, err := site.CreateToken(cmd.Context(), g.db(), args[0])
			if err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), tok)
			return nil
		},
	}, &cobra.Command{
		Use:   "list [NAME]",
		Short: "List API tokens (of user NAME, or everyone's)",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			list, err := site.ListTokens(cmd.Context(), g.db(), strings.Join(args, ""))
			if err != nil {
				return err
			}
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 0, 2, ' ', 0)
			fmt.Fprintln(w, "ID\tUSER\tNAME\tCREATED")
			for _, t := range list {
				fmt.Fprintf(w, "%d\t%s\t%s\t%s\n", t.ID, t.UserName, t.Name, t.CreatedAt.UTC().Format(time.RFC3339))
			}
			return w.Flush()
		},
	}, &cobra.Command{
		Use:   "revoke ID",
		Short: "Revoke an API token (it stops working at once, also on a running site)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := strconv.ParseInt(args[0], 10, 64)
			if err != nil {
				return fmt.Errorf("token ID %q: want the number that `token list` shows", args[0])
			}
			t, err := site.RevokeToken(cmd.Context(), g.db(), id)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "revoked token %d (%s) of %s\n", t.ID, t.Name, t.UserName)
			return nil
		},
	})
	return token
}
