/**
 * Imports every command module once, for their registerCommand side effect.
 * Add new commands here, one line each.
 */
import "./keygen";
import "./sign";
import "./inspect";
import "./verify";
import "./serve";
import "./modbus";
import "./ota";
import "./command";
