declare const __OCIFIX_VERSION__: string;
