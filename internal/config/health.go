package config

import (
	"os"
	"reflect"
	"strings"
)

// LoadHealthAddress reads only HEALTH_ADDRESS, with the worker's default, for `worker -health`
// (which must work without the credentials): "" when it is off.
func LoadHealthAddress() string {
	f, _ := reflect.TypeOf(Worker{}).FieldByName("HealthAddress")
	addr, ok := os.LookupEnv(strings.Split(f.Tag.Get("env"), ",")[0])
	if !ok || addr == "" {
		addr = f.Tag.Get("envDefault")
	}
	if strings.EqualFold(strings.TrimSpace(addr), Off) {
		return ""
	}
	return addr
}
