from backend.native_host.host import main

raise SystemExit(main())
