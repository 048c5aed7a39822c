package main

import (
	"errors"
	"fmt"

	"github.com/urfave/cli/v2"

	"vsync/internal/workspace"
)

const profileAddHelp = `Without --access-key, S3 credentials come from the standard AWS chain
(AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, shared config and --aws-profile,
instance roles, web identity); with --endpoint the EC2 instance metadata
service is not asked unless --instance-metadata is given. With no
credentials anywhere, commands exit 78 saying so. Keys are stored only when given explicitly;
give the secret key with --secret-key-file FILE (its first line) or
--secret-key-file - (standard input) rather than --secret-key, which ps and
the shell history show. An endpoint with credentials in it
(http://key:secret@host) is refused.
A --dir profile keeps vaults in a local directory with the bucket layout;
profile add creates the directory (0700) when it does not exist yet.`

func profileCommand(sys *world) *cli.Command {
	return &cli.Command{
		Name:  "profile",
		Usage: "manage profiles: where vaults live (a bucket or a local directory)",
		Description: `Profiles are per user, in $XDG_CONFIG_HOME/vsync/profiles.toml (0600).
vsync.toml names, per env, the profile its vault lives in.`,
		Subcommands: []*cli.Command{
			profileAddCommand(sys),
			{
				Name:      "list",
				Usage:     "list the profiles (never their keys)",
				UsageText: "vsync profile list",
				Action: func(c *cli.Context) error {
					if _, err := args(c, 0, 0, ""); err != nil {
						return err
					}
					return runProfileList(sys)
				},
			},
			{
				Name:      "remove",
				Usage:     "remove a profile",
				UsageText: "vsync profile remove NAME",
				Action: func(c *cli.Context) error {
					a, err := args(c, 1, 1, "NAME")
					if err != nil {
						return err
					}
					return home(sys).RemoveProfile(a[0])
				},
			},
		},
	}
}

func profileAddCommand(sys *world) *cli.Command {
	return &cli.Command{
		Name:  "add",
		Usage: "add a profile for an S3 bucket or a local directory",
		UsageText: `vsync profile add NAME --bucket B [--region R] [--endpoint URL] [--path-style] [--aws-profile P] [--access-key K --secret-key-file FILE|-]
vsync profile add NAME --dir PATH`,
		Description: profileAddHelp,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "bucket", Usage: "S3 bucket name"},
			&cli.StringFlag{Name: "region", Usage: "S3 region (default us-east-1)"},
			&cli.StringFlag{Name: "endpoint", Usage: "S3 endpoint URL, for MinIO, R2, ... (default AWS)"},
			&cli.BoolFlag{Name: "path-style", Usage: "use path-style S3 URLs (MinIO)"},
			&cli.StringFlag{Name: "aws-profile", Usage: "AWS shared-config profile for credentials"},
			&cli.BoolFlag{Name: "instance-metadata", Usage: "with --endpoint: still ask the EC2 instance metadata service (169.254.169.254) for credentials, which a custom endpoint otherwise never does"},
			&cli.StringFlag{Name: "access-key", Usage: "static access key id to store in the profile"},
			&cli.StringFlag{Name: "secret-key", Usage: "static secret key to store in the profile (with --access-key; visible in ps and shell history: prefer --secret-key-file)"},
			secretFileFlag("secret-key"),
			&cli.StringFlag{Name: "dir", Usage: "a local directory instead of a bucket (no network)"},
			&cli.BoolFlag{Name: "force", Usage: "replace an existing profile of that name"},
		},
		Action: func(c *cli.Context) error {
			a, err := args(c, 1, 1, "NAME --bucket B | --dir PATH")
			if err != nil {
				return err
			}
			secret, err := secretFlag(sys, c, "secret-key")
			if err != nil {
				return err
			}
			return runProfileAdd(sys, profileAddOptions{
				Name: a[0],
				Profile: workspace.Profile{
					Bucket:     c.String("bucket"),
					Region:     c.String("region"),
					Endpoint:   c.String("endpoint"),
					PathStyle:  c.Bool("path-style"),
					AWSProfile: c.String("aws-profile"),

					InstanceMetadata: c.Bool("instance-metadata"),
					AccessKey:        c.String("access-key"),
					SecretKey:        secret,
					Dir:              c.String("dir"),
				},
				Force: c.Bool("force"),
			})
		},
	}
}

type profileAddOptions struct {
	Name    string
	Profile workspace.Profile
	Force   bool
}

func runProfileAdd(sys *world, opts profileAddOptions) error {
	p, created, err := home(sys).AddProfile(opts.Name, opts.Profile, opts.Force)
	if err != nil {
		return inFlagWords(err)
	}
	fmt.Fprintf(sys.Stdout, "profile %q: %s\n", opts.Name, p.Describe())
	if created {
		fmt.Fprintf(sys.Stdout, "created directory %q (0700)\n", p.Dir)
	}
	return nil
}

// inFlagWords is a profile that does not check out, or a --dir that is
// not a directory, as a usage error of profile add: in the words of its
// flags, not of profiles.toml's fields.
func inFlagWords(err error) error {
	var bp *workspace.BadProfileError
	var nd *workspace.NotDirError
	switch {
	case errors.As(err, &nd):
		return usageErrorf("--dir %v", nd)
	case !errors.As(err, &bp):
		return err
	}
	words := bp.Err.Error()
	switch bp.Err {
	case workspace.ErrNoLocation:
		words = "give --bucket or --dir"
	case workspace.ErrTwoLocations:
		words = "give --bucket or --dir, not both"
	case workspace.ErrKeyPair:
		words = "--access-key and --secret-key go together"
	case workspace.ErrDirWithS3:
		words = "--dir takes no S3 flags"
	case workspace.ErrEndpointCredentials:
		words = "--endpoint embeds credentials (user:secret@host): give them with --access-key and --secret-key-file"
	}
	return usageErrorf("profile %q: %s", bp.Name, words)
}

func runProfileList(sys *world) error {
	cfg, err := home(sys).LoadProfiles()
	if err != nil {
		return err
	}
	for _, n := range cfg.Names() {
		fmt.Fprintf(sys.Stdout, "%s\t%s\n", n, cfg.Profiles[n].Describe())
	}
	return nil
}
