// The app's version, for records and reports. A named import, so that the bundle holds the
// version string and not the whole package.json.
import { version } from '../../../package.json';

export const TOOL_VERSION: string = version;
