namespace Example.Tools
{
    public static class Clamp
    {
        public static int Between(int value, int min, int max)
        {
            return value < min ? min : value > max ? max : value;
        }
    }
}
