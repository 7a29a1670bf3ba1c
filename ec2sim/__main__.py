from ec2sim.cli import main

raise SystemExit(main())
