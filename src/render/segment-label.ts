// How the always-on outputs (metrics, Alertmanager, evidence, monitor's log) name the segment of a
// virtual router: one scheme, so a Prometheus series, its alert and its evidence file agree.

/**
 * The capture's name (its interface), followed by the analyzer's name for the virtual router's
 * segment where the capture has shown more than one (a trunk: `eth0 vlan 10`, `eth0 vlan 20`); an
 * interface of one segment is named as it always was.
 */
export function segmentLabel(capture: string, segment: string | null | undefined): string {
  return segment ? `${capture} ${segment}` : capture;
}
