// Package docs runs the commands the documentation shows (the sh blocks of
// README.md, the chart's README and examples/README.md) and the
// integrations the repository ships (.pre-commit-hooks.yaml, action.yml,
// .krew.yaml), so that neither can name a path or flag that does not exist.
package docs
