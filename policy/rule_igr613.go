package policy

import "strings"

func ruleIGR613() *Rule {
	return &Rule{
		ID:    "IGR613",
		Title: "Debug logging in the control plane or proxies",
		Description: "Debug and trace logs cost CPU and storage at mesh scale, and proxy debug logs include request " +
			"headers (tokens, cookies). The rule flags a `debug` scope level in `global.logging.level` (istiod, " +
			"e.g. `default:debug`), and `debug` or `trace` in `global.proxy.logLevel` or " +
			"`global.proxy.componentLogLevel`. Sources: IstioOperator `spec.values.global` and istiod chart values `global`.",
		Remediation:   "use info logging for istiod and warning for proxies; raise levels per pod only while debugging",
		Istio:         "istiod chart `global.logging.level` (default `default:info`) and `global.proxy.logLevel` (default warning).",
		Targets:       []Kind{KindIstioOperator, KindIstiodValues},
		DefaultAction: ActionWarn,
		CELGap:        celCharts,
		Check: func(_ *Context, obj *Object, _ Params) []Violation {
			cp, ok := controlPlaneOf(obj)
			if !ok || cp.Values == nil {
				return nil
			}
			global := cp.Values.get("global")
			var out []Violation
			for _, c := range []struct {
				n      cpNode
				levels []string
			}{
				{global.get("logging", "level"), []string{"debug"}},
				{global.get("proxy", "logLevel"), []string{"debug", "trace"}},
				{global.get("proxy", "componentLogLevel"), []string{"debug", "trace"}},
			} {
				if s, _ := c.n.str(); igr613Verbose(s, c.levels) {
					out = append(out, Invalid(c.n.path, s, "enables debug logging"))
				}
			}
			return out
		},
	}
}

// igr613Verbose reports whether a level setting ("debug", or a list of
// "scope:level" like "default:info,ads:debug") uses one of the verbose levels.
func igr613Verbose(setting string, verbose []string) bool {
	for _, part := range strings.Split(setting, ",") {
		level := strings.TrimSpace(part)
		if i := strings.LastIndex(level, ":"); i >= 0 {
			level = level[i+1:]
		}
		for _, v := range verbose {
			if strings.EqualFold(level, v) {
				return true
			}
		}
	}
	return false
}
