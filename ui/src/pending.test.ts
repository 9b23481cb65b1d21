// The Approvals badge counts what the signed-in supervisor can decide.
import { describe, expect, it } from "vitest";
import type { RequestView } from "./backend";
import { pendingCount } from "./pending";

function request(requestId: number, status: RequestView["status"], approveBlock: RequestView["approveBlock"] = null): RequestView {
  return {
    requestId, dataset: "welfare_patients", period: "2026-11", fileName: "w.csv", status, submittedBy: "dana", submittedAt: "2026-11-02T10:00:00Z",
    decidedBy: null, decidedAt: null, decisionNote: null, rows: 10, invalidRows: 0, warnings: [], error: null, approveBlock,
  };
}

describe("pending badge", () => {
  it("leaves out the login's own submits, which another supervisor must approve", () => {
    const requests = [request(1, "pending"), request(2, "pending", "four_eyes"), request(3, "loaded"), request(4, "pending")];
    expect(pendingCount(requests)).toBe(2);
    expect(pendingCount([request(5, "pending", "four_eyes")])).toBe(0);
  });
});
