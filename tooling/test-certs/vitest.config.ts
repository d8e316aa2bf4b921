import { packageTestConfig } from "@smtp/vitest-config";

export default packageTestConfig();
