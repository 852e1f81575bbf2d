import { OtaOps } from "../../../sim/boot/ota-ops";
import { createUpdateModule } from "../../../sim/io/update";
import { flashChip, table } from "./embedded_storage_flash";
import { domain } from "./probe";

/** `embedded:update` on the fake flash, with ota_0 running. */
const ops = new OtaOps(flashChip, table, { rollback: true, running: table.find("ota_0")! });
const update = createUpdateModule(() => ops, domain);
export default update;
