// Command tether-pack is the build-time packaging tool of the Makefile:
// it signs the Windows agent (Authenticode, with the reserved blob the
// site stamps download configs into) and builds the template MSI. The
// certificate comes from TETHER_SIGN_PFX/TETHER_SIGN_PASSWORD or
// TETHER_SIGN_CERT/TETHER_SIGN_KEY, else a development certificate kept in
// --dev-dir (packaging.SignerFromEnv).
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"

	"github.com/spf13/cobra"

	"github.com/tetherhq/tether/packaging"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	err := rootCmd().ExecuteContext(ctx)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "tether-pack:", err)
		os.Exit(1)
	}
}

func rootCmd() *cobra.Command {
	var devDir string
	root := &cobra.Command{Use: "tether-pack", Short: "Sign Windows builds and build the template MSI",
		SilenceUsage: true, SilenceErrors: true}
	root.PersistentFlags().StringVar(&devDir, "dev-dir", "bin", "where the development code-signing certificate is kept (created when missing)")
	signer := func() (*packaging.Signer, error) { return packaging.SignerFromEnv(os.Getenv, devDir) }

	sign := &cobra.Command{
		Use:   "sign IN OUT",
		Short: "Sign a Windows executable or MSI (Authenticode, with the reserved blob)",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := signer()
			if err != nil {
				return err
			}
			if err := s.Sign(cmd.Context(), args[0], args[1]); err != nil {
				return err
			}
			return verify(cmd.Context(), s, args[1])
		},
	}

	var o packaging.MSIOptions
	msi := &cobra.Command{
		Use:   "msi --agent tether-windows-amd64.exe --out tether-windows-amd64.msi",
		Short: "Build and sign the template MSI of a signed Windows agent",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, err := signer()
			if err != nil {
				return err
			}
			o.Signer = s
			if err := packaging.BuildMSI(cmd.Context(), o); err != nil {
				return err
			}
			return verify(cmd.Context(), s, o.Out)
		},
	}
	msi.Flags().StringVar(&o.Agent, "agent", "", "the signed Windows agent")
	msi.Flags().StringVar(&o.Out, "out", "", "the MSI to write")
	msi.Flags().StringVar(&o.Arch, "arch", "amd64", "Go architecture of the agent")
	msi.Flags().StringVar(&o.Version, "version", "1.0.0", "ProductVersion (numeric major.minor.build)")
	msi.MarkFlagRequired("agent")
	msi.MarkFlagRequired("out")

	root.AddCommand(sign, msi)
	return root
}

// verify checks a fresh signature against the development certificate,
// or the CA file in TETHER_SIGN_CA: the system's TLS roots do not hold
// code-signing roots, so a publisher's signature is not checked by default.
func verify(ctx context.Context, s *packaging.Signer, path string) error {
	ca := s.DevCA
	if env := os.Getenv("TETHER_SIGN_CA"); env != "" {
		ca = env
	}
	if ca == "" {
		return nil
	}
	return packaging.VerifyAuthenticode(ctx, path, ca)
}
