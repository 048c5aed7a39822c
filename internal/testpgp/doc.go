// Package testpgp reads the OpenPGP packets of a bundle for tests: the
// tags of its top-level packets (PacketTags), its passphrase packet and
// what follows it (SplitMessage), and the body of a packet framed with
// partial lengths (Dechunk). Only _test.go files import it, vault's
// included, so it imports no vsync package: the standard library and
// go-crypto's packet reader only.
package testpgp
