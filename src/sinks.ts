// Wiring of the always-on outputs (`--alertmanager URL`, `--evidence DIR`) to one capture's
// Pipeline: frames go to the flight recorder, alerts to Alertmanager, and a critical alert raised
// triggers evidence whose path goes with the alert. No protocol logic lives here.
import type { Alert } from './analyze/alerts.js';
import { FlightRecorder } from './capture/evidence.js';
import type { Frame } from './frame.js';
import type { PcapngInterface } from './capture/writer.js';
import { AlertmanagerSink } from './render/alertmanager.js';
import { segmentLabel } from './render/segment-label.js';

export interface AlertSinkOptions {
  alertmanager?: string;
  /** Static labels for Alertmanager (e.g. instance). */
  labels?: Record<string, string>;
  evidence?: string;
  /** Default 120. */
  evidenceSeconds?: number;
  /** Default 512 MB (as monitor's). */
  evidenceMaxBytes?: number;
  /**
   * The capture's name (its interface): label and file name part, followed by the alert's segment
   * where the capture shows more than one (`eth0 vlan 10`), as `monitor`'s metrics label it.
   */
  segment: string;
  linkType: number;
  /**
   * Several interfaces (live -i A -i B): their names and link types, for pcapng evidence. The
   * analyzer's segment names then already name the interface, so they replace `segment`.
   */
  interfaces?: readonly PcapngInterface[];
  log: (line: string) => void;
}

export const EVIDENCE_SECONDS = 120;
export const EVIDENCE_MAX_BYTES = 512 * 1024 * 1024;

export class AlertSinks {
  readonly alertmanager: AlertmanagerSink | null;
  readonly recorder: FlightRecorder | null;

  constructor(private readonly o: AlertSinkOptions) {
    this.alertmanager = o.alertmanager ? new AlertmanagerSink({ url: o.alertmanager, labels: o.labels, log: o.log }) : null;
    this.recorder = o.evidence
      ? new FlightRecorder({
          dir: o.evidence,
          seconds: o.evidenceSeconds ?? EVIDENCE_SECONDS,
          maxBytes: o.evidenceMaxBytes ?? EVIDENCE_MAX_BYTES,
          linkType: o.linkType,
          interfaces: o.interfaces,
          log: o.log,
        })
      : null;
  }

  /** Before the Pipeline sees the frame, so the frame that raises an alert is in the evidence. */
  frame(f: Frame): void {
    this.recorder?.frame(f);
  }

  /** The Pipeline's alert hook. Returns the evidence path when this alert started or extended a file. */
  alert(a: Alert): string | undefined {
    const segment = this.o.interfaces ? a.segment ?? this.o.segment : segmentLabel(this.o.segment, a.segment);
    let evidence: string | undefined;
    if (this.recorder && a.status === 'raised' && a.severity === 'critical') {
      evidence = this.recorder.trigger({ ts: a.ts, segment, vrid: a.vrid, kind: a.kind }) ?? undefined;
      if (evidence) this.o.log(`evidence ${evidence} for ${a.kind}${a.vrid === null ? '' : ` vrid ${a.vrid}`}`);
    }
    this.alertmanager?.alert(a, { segment, evidence });
    return evidence;
  }

  async close(): Promise<void> {
    await this.recorder?.close();
    await this.alertmanager?.close();
  }
}
