package main

import (
	"errors"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/tetherhq/tether/site"
	"github.com/tetherhq/tether/site/store"
)

func migrateCmd(g *globals) *cobra.Command {
	var from, to string
	cmd := &cobra.Command{
		Use:   "migrate --to URL",
		Short: "Copy a stopped site's database into an empty one (e.g. SQLite to PostgreSQL)",
		Long: "Copy every row of the site's database into an empty database, keeping IDs, hashes and times,\n" +
			"in one transaction that commits only when every table's row count matches. Stop the site first:\n" +
			"writes made during the copy would be left behind. Then start it with --database set to --to and\n" +
			"the same --data (the keys and certificate stay in the data directory).",
		Example: "  tether-site migrate --data /var/lib/tether --to postgres://tether@db.example/tether",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if to == "" {
				return errors.New("--to is required (postgres://… or sqlite:DIR)")
			}
			if from == "" {
				from = site.DatabaseURL(g.dataDir, "")
			}
			counts, err := site.Migrate(cmd.Context(), from, to)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "copied %s to %s\n", site.RedactURL(from), site.RedactURL(to))
			return printCounts(out, counts)
		},
	}
	cmd.Flags().StringVar(&from, "from", "", "database to copy (default: the SQLite database in --data)")
	cmd.Flags().StringVar(&to, "to", "", "empty database to copy into: postgres://… or sqlite:DIR")
	return cmd
}

// printCounts lists rows per table in copy order.
func printCounts(out io.Writer, c store.Counts) error {
	w := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(w, "TABLE\tROWS\t")
	for _, t := range c.Tables() {
		fmt.Fprintf(w, "%s\t%d\t\n", t, c[t])
	}
	return w.Flush()
}

func backupCmd(g *globals) *cobra.Command {
	var to string
	cmd := &cobra.Command{
		Use:   "backup --to FILE",
		Short: "Back up the site (keys, certificate and the SQLite database) into one tar.gz, also while it runs",
		Long: "Write the data directory's keys and certificate and a consistent snapshot of the SQLite\n" +
			"database (VACUUM INTO: the site keeps running) into one tar.gz, readable by its owner only.\n" +
			"A site on PostgreSQL: the archive holds the keys only; back the database up with pg_dump.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if to == "" {
				return errors.New("--to is required")
			}
			m, err := site.Backup(cmd.Context(), g.dataDir, g.db(), to, version)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "backed up %v to %s\n", m.Files, to)
			if m.Database == "sqlite" {
				return printCounts(out, m.Rows)
			}
			fmt.Fprintf(out, "The database is PostgreSQL: back it up with pg_dump, e.g.\n"+
				"  pg_dump --format=custom --file=tether.pgdump '%s'\n"+
				"and restore it into an empty database with\n"+
				"  pg_restore --no-owner --dbname='postgres://…/tether_new' tether.pgdump\n", site.RedactURL(g.db()))
			return nil
		},
	}
	cmd.Flags().StringVar(&to, "to", "", "archive to write (tar.gz, mode 0600; replaced if it exists)")
	return cmd
}

func restoreCmd(g *globals) *cobra.Command {
	var from string
	cmd := &cobra.Command{
		Use:   "restore --from FILE --data DIR",
		Short: "Restore a backup into a new, empty data directory",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if from == "" {
				return errors.New("--from is required")
			}
			if !cmd.Flags().Changed("data") {
				return errors.New("--data is required: the new data directory to restore into")
			}
			m, err := site.Restore(cmd.Context(), from, g.dataDir)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "restored %v (backup of %s) into %s\n", m.Files, m.CreatedAt.Format("2006-01-02 15:04:05Z"), g.dataDir)
			if m.Database == "sqlite" {
				return printCounts(out, m.Rows)
			}
			fmt.Fprintln(out, "The site's database is PostgreSQL: restore it with pg_restore and start the site with --database.")
			return nil
		},
	}
	cmd.Flags().StringVar(&from, "from", "", "backup archive written by tether-site backup")
	return cmd
}
