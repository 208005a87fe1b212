// Command worker runs the HubSpot → ClientSuccess sync workflows and activities until interrupted.
// Configuration comes from the environment; see the README's configuration table.
package main

import (
	"fmt"
	"os"

	"go.uber.org/fx"

	"github.com/cssync/cssync/internal/config"
	"github.com/cssync/cssync/internal/workerapp"
)

func main() {
	cfg, err := config.LoadWorker()
	if err != nil {
		fmt.Fprintln(os.Stderr, "worker:", err)
		os.Exit(2)
	}
	app := fx.New(workerapp.Options(cfg, workerapp.NewLogger()))
	if err := app.Err(); err != nil {
		fmt.Fprintln(os.Stderr, "worker:", err)
		os.Exit(1)
	}
	app.Run() // until SIGINT or SIGTERM, then stops the worker gracefully
}
