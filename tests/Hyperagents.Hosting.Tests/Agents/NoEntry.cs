public static class NotAnAgent
{
    public static int Answer() => 42;
}
