// Package deploy holds the checks of the deployment files at the repository root (Dockerfile, compose.yaml)
// and under deploy/: no container engine or systemd runs on the development machines, so these tests load
// the files with the same parsers Docker Compose and BuildKit use and check what an operator relies on.
package deploy
